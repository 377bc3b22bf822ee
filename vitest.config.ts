import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // Containers share two cores; one file at a time keeps timings honest.
    fileParallelism: false,
    projects: [
      {
        test: { name: "unit", include: ["test/unit/**/*.test.ts"] },
      },
      {
        test: {
          name: "integration",
          include: ["test/*.test.ts"],
          globalSetup: ["test/helpers/global-setup.ts"],
          testTimeout: 120_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
