/**
 * ajv, configured once for both kinds of Pod schema validator: a cluster's schema, compiled
 * here at run time (controlplane/cluster-schema.ts), and the bundled schema, whose validators
 * scripts/gen-validators.ts generates at build time from this same configuration (ajv's
 * standalone code). Nothing on the bundled schema's path imports this module: loading ajv and
 * compiling cost a few hundred milliseconds and tens of megabytes, which `staticlet validate`
 * and the supervisor's start do not pay.
 */
import { Ajv, Name, _, str, type CodeOptions, type KeywordCxt, type ValidateFunction } from 'ajv';
import ajvNames from 'ajv/dist/compile/names.js';
import { makeCompiledSchema, type CompiledSchema, type RootKind, type SchemaDocument, type SchemaMeta } from './schema.js';
import { noteQuantityRounding, QUANTITY_ROUNDING_KEYWORD, schemaFormats } from './schema-formats.js';

/**
 * The names under which generated code reaches schema-formats.ts (its import binds them): the
 * expressions ajv writes into standalone code for the formats and the keyword's function. At run
 * time they are unused, the functions are referenced directly.
 */
export const GENERATED_FORMATS_NAME = 'schemaFormats';
export const GENERATED_ROUNDING_NAME = 'noteQuantityRounding';

/**
 * A configured ajv instance. `code` is only the generator's (source: true and its module
 * syntax): code options change how the validators are written out, never what they check.
 */
export function newAjv(code?: CodeOptions): Ajv {
  // verbose: errors carry the offending value, which enum/format messages quote.
  const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true, verbose: true, ...(code === undefined ? {} : { code }) });
  for (const [name, format] of Object.entries(schemaFormats)) ajv.addFormat(name, format);
  // A code keyword, not a validate one: standalone code can only reach a function that has an
  // expression to name it by (here the generated module's import), and ajv has none for a
  // validate keyword's function. It never fails; it calls noteQuantityRounding with the value
  // and its JSON pointer, the same instancePath ajv gives a validate keyword.
  ajv.addKeyword({
    keyword: QUANTITY_ROUNDING_KEYWORD,
    schemaType: 'boolean',
    code(cxt: KeywordCxt) {
      const fn = cxt.gen.scopeValue('func', { ref: noteQuantityRounding, code: _`${new Name(GENERATED_ROUNDING_NAME)}` });
      cxt.gen.code(_`${fn}(${cxt.data}, ${str`${ajvNames.default.instancePath}${cxt.it.errorPath}`})`);
    },
  });
  return ajv;
}

/**
 * The document as ajv compiles it: the keyword goes on an in-memory copy of Quantity, so the
 * file on disk stays what the schema generator wrote.
 */
export function withRoundingKeyword(schema: SchemaDocument): Record<string, unknown> {
  const quantity = schema.definitions['Quantity'];
  const doc: { $id: string; definitions: Record<string, unknown> } = quantity === undefined ? schema : { ...schema, definitions: { ...schema.definitions, Quantity: { ...quantity, [QUANTITY_ROUNDING_KEYWORD]: true } } };
  return doc as unknown as Record<string, unknown>;
}

/** The ajv key of a root definition (the generator exports the same two). */
export function rootRef(schema: SchemaDocument, name: RootKind): string {
  return `${schema.$id}#/definitions/${name}`;
}

/**
 * Compiles a schema document in the generator's form. Throws when the document is not one
 * (a definition missing, a keyword ajv does not know): a cluster's document that does not
 * compile is refused as a whole, and the caller keeps the bundled schema.
 */
export function compileSchema(schema: SchemaDocument, meta: SchemaMeta): CompiledSchema {
  const ajv = newAjv();
  ajv.addSchema(withRoundingKeyword(schema));
  const get = (name: RootKind): ValidateFunction => {
    const v = ajv.getSchema(rootRef(schema, name));
    if (v === undefined) throw new Error(`definition ${name} missing from ${meta.label}`);
    return v;
  };
  return makeCompiledSchema(schema, meta, { Pod: get('Pod'), PodList: get('PodList') });
}
