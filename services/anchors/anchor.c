/* anchor.c: libzmq's own speed on the lab's network, the bench's C anchor (no lab code).
 *   anchor sink <bind> <count> <size>     PULL: times <count> messages, first to last
 *   anchor source <connect> <count> <size> PUSH: sends <count> messages of <size> bytes
 *   anchor echo <bind>                     REP: replies with the request, until stopped
 *   anchor ping <connect> <rounds> <size>  REQ: <rounds> round trips after a warm-up
 * Each measuring side prints one line: RESULT {"kind": ..., ...}. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

static void check(int rc, const char *what) {
  if (rc < 0) {
    fprintf(stderr, "anchor: %s: %s\n", what, zmq_strerror(zmq_errno()));
    exit(1);
  }
}

static int by_value(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: anchor sink|source|echo|ping <endpoint> [count size]\n");
    return 2;
  }
  const char *role = argv[1], *endpoint = argv[2];
  long count = argc > 3 ? atol(argv[3]) : 0;
  size_t size = argc > 4 ? (size_t)atol(argv[4]) : 64;
  int major, minor, patch;
  zmq_version(&major, &minor, &patch);
  void *ctx = zmq_ctx_new();
  char *buf = calloc(size > 0 ? size : 1, 1);

  if (strcmp(role, "sink") == 0) {
    void *s = zmq_socket(ctx, ZMQ_PULL);
    check(zmq_bind(s, endpoint), "bind");
    check(zmq_recv(s, buf, size, 0), "recv");
    double start = now();
    for (long i = 1; i < count; i++) check(zmq_recv(s, buf, size, 0), "recv");
    double seconds = now() - start;
    printf("RESULT {\"kind\":\"throughput\",\"impl\":\"c\",\"libzmq\":\"%d.%d.%d\",\"size\":%zu,\"messages\":%ld,\"seconds\":%.6f}\n",
           major, minor, patch, size, count - 1, seconds);
    zmq_close(s);
  } else if (strcmp(role, "source") == 0) {
    void *s = zmq_socket(ctx, ZMQ_PUSH);
    int linger = -1;
    zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger);
    check(zmq_connect(s, endpoint), "connect");
    for (long i = 0; i < count; i++) check(zmq_send(s, buf, size, 0), "send");
    zmq_close(s);
  } else if (strcmp(role, "echo") == 0) {
    void *s = zmq_socket(ctx, ZMQ_REP);
    check(zmq_bind(s, endpoint), "bind");
    for (;;) {
      int n = zmq_recv(s, buf, size, 0);
      if (n < 0) break;
      check(zmq_send(s, buf, n < (int)size ? (size_t)n : size, 0), "send");
    }
    zmq_close(s);
  } else if (strcmp(role, "ping") == 0) {
    void *s = zmq_socket(ctx, ZMQ_REQ);
    check(zmq_connect(s, endpoint), "connect");
    long warmup = count / 10 + 1;
    double *rtt = calloc((size_t)count, sizeof *rtt);
    for (long i = -warmup; i < count; i++) {
      double t = now();
      check(zmq_send(s, buf, size, 0), "send");
      check(zmq_recv(s, buf, size, 0), "recv");
      if (i >= 0) rtt[i] = (now() - t) * 1e6;
    }
    double sum = 0;
    for (long i = 0; i < count; i++) sum += rtt[i];
    qsort(rtt, (size_t)count, sizeof *rtt, by_value);
    printf("RESULT {\"kind\":\"latency\",\"impl\":\"c\",\"libzmq\":\"%d.%d.%d\",\"rounds\":%ld,\"p50\":%.1f,\"p99\":%.1f,\"max\":%.1f,\"mean\":%.1f}\n",
           major, minor, patch, count, rtt[(count - 1) / 2], rtt[(long)((count - 1) * 0.99)], rtt[count - 1], sum / count);
    zmq_close(s);
  } else {
    fprintf(stderr, "anchor: unknown role %s\n", role);
    return 2;
  }
  fflush(stdout);
  zmq_ctx_term(ctx);
  return 0;
}
