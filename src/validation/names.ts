/**
 * Name syntaxes used across the Kubernetes API (k8s.io/apimachinery/pkg/util/validation).
 * Each checker returns the list of problems (empty when valid) so callers can report all of them,
 * as the API server does. Regexes are module constants: compiled once, never per call.
 */

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUALIFIED_NAME_PART = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const IANA_SVC_NAME_CHARS = /^[-a-z0-9]+$/;
const HAS_LETTER = /[a-z]/;
const C_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const HTTP_HEADER_NAME = /^[-A-Za-z0-9]+$/;
const CONFIG_MAP_KEY = /^[-._a-zA-Z0-9]+$/;

export const DNS1123_LABEL_MAX = 63;
export const DNS1123_SUBDOMAIN_MAX = 253;
const QUALIFIED_NAME_MAX = 63;
const LABEL_VALUE_MAX = 63;
const IANA_SVC_NAME_MAX = 15;

function tooLong(max: number): string {
  return `must be no more than ${max} characters`;
}

/** The common shape of a name check: a length cap and one pattern, each reported separately. */
function lengthAndPattern(v: string, max: number, pattern: RegExp, explain: string): string[] {
  const errs: string[] = [];
  if (v.length > max) errs.push(tooLong(max));
  if (!pattern.test(v)) errs.push(explain);
  return errs;
}

export function dns1123Label(v: string): string[] {
  return lengthAndPattern(
    v,
    DNS1123_LABEL_MAX,
    DNS1123_LABEL,
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name' or '123-abc')",
  );
}

export function dns1123Subdomain(v: string): string[] {
  return lengthAndPattern(
    v,
    DNS1123_SUBDOMAIN_MAX,
    DNS1123_SUBDOMAIN,
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com')",
  );
}

/** `[prefix/]name` as used by label and annotation keys, resource names, finalizers. */
export function qualifiedName(v: string): string[] {
  const errs: string[] = [];
  const parts = v.split('/');
  let name: string;
  if (parts.length === 1) {
    name = parts[0]!;
  } else if (parts.length === 2) {
    const prefix = parts[0]!;
    name = parts[1]!;
    if (prefix.length === 0) errs.push('prefix part must be non-empty');
    else for (const e of dns1123Subdomain(prefix)) errs.push(`prefix part ${e}`);
  } else {
    return [
      "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character, with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
    ];
  }
  if (name.length === 0) errs.push('name part must be non-empty');
  else {
    if (name.length > QUALIFIED_NAME_MAX) errs.push(`name part ${tooLong(QUALIFIED_NAME_MAX)}`);
    if (!QUALIFIED_NAME_PART.test(name)) {
      errs.push(
        "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName' or 'my.name' or '123-abc')",
      );
    }
  }
  return errs;
}

export function labelValue(v: string): string[] {
  return lengthAndPattern(
    v,
    LABEL_VALUE_MAX,
    LABEL_VALUE,
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue' or 'my_value' or '12345')",
  );
}

/** Port names (RFC 6335 service names): what Services and probes refer to. */
export function ianaSvcName(v: string): string[] {
  const errs: string[] = [];
  if (v.length > IANA_SVC_NAME_MAX) errs.push(tooLong(IANA_SVC_NAME_MAX));
  if (!IANA_SVC_NAME_CHARS.test(v)) errs.push("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)");
  if (v.includes('--')) errs.push("must not contain consecutive hyphens");
  if (!HAS_LETTER.test(v)) errs.push('must contain at least one letter (a-z)');
  if (v.startsWith('-') || v.endsWith('-')) errs.push('must not begin or end with a hyphen');
  return errs;
}

export function cIdentifier(v: string): string[] {
  return C_IDENTIFIER.test(v)
    ? []
    : ["a valid C identifier must start with alphabetic character or '_', followed by a string of alphanumeric characters or '_' (e.g. 'my_name' or 'MY_NAME')"];
}

/**
 * Environment variable names since Kubernetes 1.34 (RelaxedEnvironmentVariableValidation GA):
 * any printable ASCII character except '='.
 */
export function envVarName(v: string): string[] {
  if (v.length === 0) return ['must not be empty'];
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === 0x3d) {
      return ["a valid environment variable name must consist only of printable ASCII characters other than '='"];
    }
  }
  return [];
}

export function httpHeaderName(v: string): string[] {
  return HTTP_HEADER_NAME.test(v) ? [] : ["a valid HTTP header must consist of alphanumeric characters or '-' (e.g. 'X-Header-Name')"];
}

export function configMapKey(v: string): string[] {
  const errs: string[] = [];
  if (v.length > DNS1123_SUBDOMAIN_MAX) errs.push(tooLong(DNS1123_SUBDOMAIN_MAX));
  if (!CONFIG_MAP_KEY.test(v)) errs.push("a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name')");
  if (v === '.' || v === '..') errs.push(`must not be '${v}'`);
  else if (v.startsWith('..')) errs.push("must not start with '..'");
  return errs;
}

export function portNumber(v: number): string[] {
  return Number.isInteger(v) && v >= 1 && v <= 65535 ? [] : ['must be between 1 and 65535, inclusive'];
}
