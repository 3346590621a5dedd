/**
 * Which Pod schema manifests are checked against. Standalone it is the bundled Kubernetes 1.36
 * schema for good; with an API server the control plane offers the cluster's own once it has
 * fetched it, and the config pipeline re-validates every manifest under it. The pod core sees
 * only this interface: it never learns where a schema came from beyond its label.
 */
import { bundledSchema, type CompiledSchema } from '../validation/schema.js';

export type { CompiledSchema } from '../validation/schema.js';

export interface SchemaProvider {
  /** The schema to validate with now. */
  current(): CompiledSchema;
  /** Called after current() changed; returns the unsubscribe function. */
  onChange(listener: () => void): () => void;
}

/** What the control plane is given: where to put the cluster's schema once it has one. */
export interface SchemaSink {
  use(schema: CompiledSchema): void;
}

/** The bundled schema until told otherwise; the bundled one is compiled on first use. */
export class SchemaHolder implements SchemaProvider, SchemaSink {
  private schema: CompiledSchema | undefined;
  private readonly listeners = new Set<() => void>();

  current(): CompiledSchema {
    return this.schema ?? bundledSchema();
  }

  use(schema: CompiledSchema): void {
    if (schema.id === this.current().id) return;
    this.schema = schema;
    for (const l of [...this.listeners]) l();
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/** A provider that never changes (`staticlet validate`, tests). */
export function fixedSchema(schema: CompiledSchema): SchemaProvider {
  return { current: () => schema, onChange: () => () => undefined };
}
