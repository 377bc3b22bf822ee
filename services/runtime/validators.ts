import { EnvError, makeValidator } from "envalid";

/**
 * One of a fixed set of words: `oneOf(["cpu", "sleep"])({ default: "cpu" })`.
 * Same signature as the `oneOf` that main's config.ts gained meanwhile; on merge, keep that one.
 */
export const oneOf = <const T extends string>(values: readonly T[]) =>
  makeValidator<T>((raw) => {
    if (values.includes(raw as T)) return raw as T;
    throw new EnvError(`expected one of ${values.join(", ")}, got "${raw}"`);
  });
