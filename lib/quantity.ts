// Kubernetes resource quantities (https://kubernetes.io/docs/reference/kubernetes-api/common-definitions/quantity/):
// parsed so configuration can be checked (request <= limit) and summed (node capacity).

const QUANTITY = /^(\d+(?:\.\d*)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?\d+)?$/;

const MULTIPLIERS: Record<string, number> = {
  '': 1,
  n: 1e-9, u: 1e-6, m: 1e-3,
  k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};

/** Whether `text` is a non-negative Kubernetes quantity such as `500m`, `1.5`, `512Mi` or `1e3`. */
export function isQuantity(text: string): boolean {
  return QUANTITY.test(text);
}

/**
 * The value of a quantity in base units (cores for CPU, bytes for memory).
 * @throws Error when `text` is not a quantity
 */
export function parseQuantity(text: string): number {
  const match = QUANTITY.exec(text);
  if (!match) throw new Error(`not a Kubernetes quantity: ${JSON.stringify(text)}`);
  const [, number, suffix = ''] = match;
  const multiplier = /^[eE]/.test(suffix) ? 10 ** Number(suffix.slice(1)) : MULTIPLIERS[suffix];
  return Number(number) * multiplier;
}

/** `1.5` -> `1500m`; for reports. */
export function formatCpu(cores: number): string {
  return `${Math.round(cores * 1000)}m`;
}

/** `536870912` -> `512Mi`; for reports. */
export function formatMemory(bytes: number): string {
  const mi = bytes / 2 ** 20;
  return mi >= 1024 && mi % 1024 === 0 ? `${mi / 1024}Gi` : `${Math.round(mi)}Mi`;
}
