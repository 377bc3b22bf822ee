/** Every reqrep setting the tests don't vary, so a developer's .env can't change what they assert on. */
export const base = {
  REP_REPLY: "Hi from Server",
  REP_WORK_MS: "100",
  REP_IDLE_MS: "1500",
  REQ_CONNECT: "tcp://rep-server:5555",
  CLIENT_ID: "",
};
