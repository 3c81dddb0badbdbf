/**
 * Every comment kugetsu writes starts with a hidden HTML comment beginning with this prefix
 * (`<!-- kugetsu:status job=… -->`, `<!-- kugetsu:reply id=… -->`): comments carrying it never
 * trigger anything, and kugetsu finds its own comments again by it.
 */
export const MARKER_PREFIX = '<!-- kugetsu:';
