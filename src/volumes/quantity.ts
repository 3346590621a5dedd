import { ceilDiv, parseQuantity, scaledValue, type Quantity } from '../validation/quantity.js';

export { ceilDiv, scaledValue };

/** A quantity from a manifest (string or number); undefined when absent or malformed. */
export function quantityOf(v: string | number | undefined): Quantity | undefined {
  return v === undefined ? undefined : parseQuantity(v);
}

export function bytesOf(v: string | number | undefined): bigint | undefined {
  const q = quantityOf(v);
  return q === undefined ? undefined : scaledValue(q, 0);
}

export function milliOf(v: string | number | undefined): bigint | undefined {
  const q = quantityOf(v);
  return q === undefined ? undefined : scaledValue(q, -3);
}
