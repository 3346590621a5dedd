/**
 * Image references as container runtimes parse them (the distribution "reference" grammar that
 * containerd, CRI-O and the kubelet's own InvalidImageName check use). The API server only asks
 * for a non-empty string without surrounding whitespace, so a reference like `Nginx:1.27` or
 * `busybox:` is accepted by validation and then fails at every start with InvalidImageName:
 * staticlet warns at validation time instead.
 *
 * Grammar, from the reference package's documentation:
 *   reference  := name [ ":" tag ] [ "@" digest ]
 *   name       := [domain "/"] path-component ["/" path-component]*
 *   domain     := host [":" port]        host: domain-name | "[" IPv6 "]"
 *   path-component := [a-z0-9]+ (separator [a-z0-9]+)*   separator: "." | "_" | "__" | "-"+
 *   tag        := [\w][\w.-]{0,127}
 *   digest     := algorithm ":" hex{32,}  algorithm: [A-Za-z][A-Za-z0-9]* joined by [-_+.]
 */

const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = new RegExp(`^(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?$`);
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$/;
/** A bare image ID is no name: runtimes refuse it rather than guess a repository. */
const IDENTIFIER = /^[a-f0-9]{64}$/;
const MAX_NAME_LENGTH = 255;

/** Why `ref` is not a valid image reference, or undefined when it is one. */
export function imageReferenceProblem(ref: string): string | undefined {
  let rest = ref;
  const at = rest.indexOf('@');
  if (at !== -1) {
    if (!DIGEST.test(rest.slice(at + 1))) return 'invalid digest after "@"';
    rest = rest.slice(0, at);
  }
  // A ":" after the last "/" starts the tag; one before it belongs to a registry's port.
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    if (!TAG.test(rest.slice(colon + 1))) return 'invalid tag: letters, digits, "_", "." and "-" only, at most 128, not starting with "." or "-"';
    rest = rest.slice(0, colon);
  }
  if (rest === '') return 'no repository name';
  if (rest.length > MAX_NAME_LENGTH) return `repository name longer than ${MAX_NAME_LENGTH} characters`;
  if (IDENTIFIER.test(rest)) return 'a 64-character hexadecimal image ID is not a repository name';
  const parts = rest.split('/');
  // The first component is a registry when it looks like a host, as runtimes decide it.
  const first = parts[0]!;
  if (parts.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost' || first !== first.toLowerCase())) {
    if (!DOMAIN.test(first)) return `invalid registry host ${JSON.stringify(first)}`;
    parts.shift();
  }
  for (const p of parts) {
    if (PATH_COMPONENT.test(p)) continue;
    if (PATH_COMPONENT.test(p.toLowerCase())) return 'repository name must be lowercase';
    return p === '' ? 'empty path component (a doubled or trailing "/")' : `invalid path component ${JSON.stringify(p)}: lowercase letters and digits, joined by ".", "_", "__" or "-"`;
  }
  return undefined;
}
