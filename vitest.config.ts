import { defineConfig } from "vitest/config";

/**
 * Integration files that measure time, need the cores to themselves, or strike mid-batch: stop
 * times, heartbeat purges, the slow worker's share, ten-times load, and the drills that kill,
 * restart or send garbage while a batch runs. They run after the others, one file at a time
 * (docs/tests.md).
 */
const serial = [
  "test/drill-clean-stop.test.ts",
  "test/load.test.ts",
  "test/broker.test.ts",
  "test/broker-elastic.test.ts",
  "test/drill-consumer-dies.test.ts",
  "test/drill-collector-restart.test.ts",
  "test/drill-garbage.test.ts",
  "test/drill-raw-wire.test.ts",
  "test/drill-broker-wire.test.ts",
  "test/drill-network-pubsub.test.ts",
  "test/drill-pub-restart.test.ts",
  "test/swarm-node-loss.test.ts",
];

const integration = {
  globalSetup: ["test/helpers/global-setup.ts"],
  testTimeout: 120_000,
  hookTimeout: 60_000,
};

export default defineConfig({
  test: {
    // Integration files mostly wait on containers, so two at a time fit a 2-core machine
    // (measured in docs/tests.md); `--maxWorkers=1` runs one file at a time.
    maxWorkers: 2,
    projects: [
      {
        // One fork, one file after another: as fast as two forks (no process per file), and the
        // loopback CURVE tests keep the CPU to themselves.
        test: { name: "unit", include: ["test/unit/**/*.test.ts"], poolOptions: { forks: { singleFork: true } }, sequence: { groupOrder: 0 } },
      },
      {
        test: { name: "integration", include: ["test/*.test.ts"], exclude: serial, sequence: { groupOrder: 1 }, ...integration },
      },
      {
        test: {
          name: "integration-serial",
          include: serial,
          // One fork for the whole project: its files run one after another.
          poolOptions: { forks: { singleFork: true } },
          sequence: { groupOrder: 2 },
          ...integration,
        },
      },
    ],
  },
});
