/** imagePullPolicy resolution as the API server defaults it and the kubelet applies it. */
export type PullPolicy = 'Always' | 'IfNotPresent' | 'Never';

export interface ParsedImageRef {
  /** Everything before the tag/digest, e.g. "registry:5000/ns/name". */
  repository: string;
  tag?: string;
  digest?: string;
}

/**
 * Splits a reference into repository, tag and digest. A colon only starts a tag when it comes
 * after the last slash, so "host:5000/name" has no tag.
 */
export function parseImageRef(image: string): ParsedImageRef {
  let rest = image;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  const out: ParsedImageRef = { repository: rest };
  if (tag !== undefined) out.tag = tag;
  if (digest !== undefined) out.digest = digest;
  return out;
}

/** The default when a manifest says nothing: `:latest` or no tag (and no digest) → Always. */
export function defaultPullPolicy(image: string): PullPolicy {
  const ref = parseImageRef(image);
  if (ref.digest) return 'IfNotPresent';
  return ref.tag === undefined || ref.tag === 'latest' ? 'Always' : 'IfNotPresent';
}

export function effectivePullPolicy(image: string, policy?: PullPolicy | ''): PullPolicy {
  return policy ? policy : defaultPullPolicy(image);
}

export type PullDecision = 'use-present' | 'pull' | 'never-pull-missing';

/** What to do given the policy and whether the runtime already has the image. */
export function decidePull(policy: PullPolicy, present: boolean): PullDecision {
  switch (policy) {
    case 'Always':
      return 'pull';
    case 'IfNotPresent':
      return present ? 'use-present' : 'pull';
    case 'Never':
      return present ? 'use-present' : 'never-pull-missing';
  }
}

/** Cheap syntax check so that obviously broken names fail as InvalidImageName, not ErrImagePull. */
export function isValidImageRef(image: string): boolean {
  if (image === '' || image !== image.trim() || /\s/.test(image)) return false;
  if (/[A-Z]/.test(parseImageRef(image).repository.replace(/^[^/]*\//, ''))) return false;
  return /^[a-zA-Z0-9][a-zA-Z0-9._\-/:@+]*$/.test(image);
}
