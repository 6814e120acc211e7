/**
 * What a credential may do. A route declares the one scope it needs; a credential grants a set:
 * read < act < admin, and report (the dialplan's outbound report) stands apart, so the token the
 * PBX holds can do nothing else. Pure.
 */
import type { TokenScope } from '../../config/types.js';

export type Scope = TokenScope;

export const SCOPES: readonly Scope[] = ['read', 'act', 'admin', 'report'];

/** The scopes a token of `scope` holds. admin holds report too: whoever may reload may also report a call. */
export function grantedBy(scope: Scope): readonly Scope[] {
  switch (scope) {
    case 'read':
      return ['read'];
    case 'act':
      return ['read', 'act'];
    case 'admin':
      return ['read', 'act', 'admin', 'report'];
    case 'report':
      return ['report'];
  }
}

export function allows(granted: readonly Scope[], needed: Scope): boolean {
  return granted.includes(needed);
}
