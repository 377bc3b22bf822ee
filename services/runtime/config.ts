import { cleanEnv, EnvError, makeValidator, type ValidatorSpec } from "envalid";

/** Every problem found in the environment, one line each: `NAME: expected ..., got "..."`. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration: ${problems.join("; ")}`);
    this.name = "ConfigError";
  }
}

export type Spec = Record<string, ValidatorSpec<unknown>>;
export type Config<S extends Spec> = { readonly [K in keyof S]: S[K] extends ValidatorSpec<infer T> ? T : never };

interface Options<T> {
  default?: T;
  desc?: string;
}

/**
 * Throws the validation error every validator uses: `expected <form>, got "<raw>"`.
 * A secret is never echoed: only its length is.
 */
export const expected = (form: string, raw: string, { secret = false } = {}): never => {
  throw new EnvError(`expected ${form}, got ${secret ? `${raw.length} characters (value not shown)` : `"${raw}"`}`);
};

/** A whole number in [min, max]. */
export const integer = ({ min, max, ...spec }: Options<number> & { min: number; max: number }) =>
  makeValidator<number>((raw) => {
    const value = Number(raw);
    if (!/^-?\d+$/.test(raw.trim()) || value < min || value > max) {
      return expected(`an integer from ${min} to ${max}`, raw);
    }
    return value;
  })(spec);

export const port = (spec: Options<number> = {}) => integer({ min: 1, max: 65535, ...spec });

/** A duration in milliseconds, up to one hour. */
export const millis = (spec: Options<number> = {}) => integer({ min: 0, max: 3_600_000, ...spec });

/** A timeout in milliseconds: at least 1, since 0 would make a receive return at once. */
export const timeout = (spec: Options<number> = {}) => integer({ min: 1, max: 3_600_000, ...spec });

/** Host (or `*`) and port of a `tcp://` endpoint; undefined for anything else or a port outside 1-65535. */
export function tcpAddress(endpoint: string): { host: string; port: number } | undefined {
  const tcp = /^tcp:\/\/(\*|[A-Za-z0-9_.-]+):(\d{1,5})$/.exec(endpoint);
  const port = Number(tcp?.[2]);
  return tcp && port >= 1 && port <= 65535 ? { host: tcp[1]!, port } : undefined;
}

const CONNECT_PREFIX = "connect:";
/**
 * The endpoint to connect to when a `*_BIND` value reads `connect:<endpoint>`, else undefined: the
 * role then connects where it would bind, so it and its peers can all connect to a device in between.
 */
export function connectInstead(endpoint: string): string | undefined {
  return endpoint.startsWith(CONNECT_PREFIX) ? endpoint.slice(CONNECT_PREFIX.length) : undefined;
}
const isPlainEndpoint = (item: string) => tcpAddress(item) !== undefined || /^(ipc|inproc):\/\/.+$/.test(item);
const isEndpoint = (item: string) => {
  const target = connectInstead(item);
  return target === undefined ? isPlainEndpoint(item) : isPlainEndpoint(target) && tcpAddress(target)?.host !== "*";
};
const endpointForm = "a ZeroMQ endpoint such as tcp://host:5555 or tcp://*:5555 (port 1-65535)";

export const endpoint = makeValidator<string>((raw) => (isEndpoint(raw.trim()) ? raw.trim() : expected(endpointForm, raw)));

/** A comma-separated list of endpoints. */
export const endpoints = makeValidator<string[]>((raw) => {
  const list = raw.split(",").map((item) => item.trim());
  return list.every(isEndpoint) ? list : expected("comma-separated ZeroMQ endpoints such as tcp://host:5555,tcp://other:5555", raw);
});

/** One of a fixed set of words. */
export const oneOf = <const T extends string>(values: readonly T[]) =>
  makeValidator<T>((raw) => (values.includes(raw as T) ? (raw as T) : expected(`one of ${values.join(", ")}`, raw)));

/** A role's id (CLIENT_ID, PUB_ID, CONSUMER_ID...): one rule for all, safe in logs, file names and JSON. */
/** The id rule as a pattern fragment, for wire formats that carry an id inside a longer text. */
export const ID = "[A-Za-z0-9._-]{1,64}";
export const ID_FORM = new RegExp(`^${ID}$`);
export const roleId = makeValidator<string>((raw) =>
  ID_FORM.test(raw) ? raw : expected("an id of 1 to 64 letters, digits, '.', '_' or '-'", raw),
);

/** Free text of 1 to 256 characters. */
export const text = makeValidator<string>((raw) =>
  raw.length >= 1 && raw.length <= 256 ? raw : expected("text of 1 to 256 characters", raw),
);

/**
 * Validates `env` against `spec` once, before anything opens. An empty value counts as unset,
 * so compose's `${VAR:-}` falls back to the default. Throws a ConfigError listing every problem.
 */
export function loadConfig<S extends Spec>(spec: S, env: NodeJS.ProcessEnv = process.env): Config<S> {
  const set = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ""));
  return cleanEnv(set, spec, {
    reporter: ({ errors }) => {
      const problems = Object.entries(errors).map(([name, err]) =>
        err instanceof EnvError ? `${name}: ${err.message}` : `${name}: missing, expected ${describe(spec[name])}`,
      );
      if (problems.length > 0) throw new ConfigError(problems);
    },
  }) as Config<S>;
}

const describe = (spec: ValidatorSpec<unknown> | undefined) => spec?.desc ?? "a value";
