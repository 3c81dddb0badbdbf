/**
 * The fine event type (`X-Gitea-Event-Type`) a Gitea delivery body was most likely sent with,
 * judged from its shape (gitea-contract.md §1–2): a comment payload → `issue_comment` or
 * `pull_request_comment`; a PR payload with a `review` → its `review.type` (pre-1.19.1 coarse names
 * mapped to today's); a PR or issue payload
 * → by `action` (`label_updated` → `*_label`, …); `ref` + `commits` → `push`. `undefined` when the
 * shape says nothing.
 */
export function eventTypeOf(payload: unknown): string | undefined {
  if (typeof payload !== 'object' || payload === null) return undefined;
  const p = payload as Record<string, any>;
  const action = typeof p['action'] === 'string' ? (p['action'] as string) : '';
  if (p['comment'] && p['issue']) {
    const isPull = p['is_pull'] === true || (p['issue'].pull_request !== null && p['issue'].pull_request !== undefined);
    return isPull ? 'pull_request_comment' : 'issue_comment';
  }
  if (p['pull_request']) {
    const reviewType = p['review']?.type;
    if (typeof reviewType === 'string' && reviewType.startsWith('pull_request_review_')) return reviewType;
    // Before Gitea 1.19.1 `review.type` was the coarse name (gitea-contract.md §1): send the modern one.
    if (typeof reviewType === 'string' && OLD_REVIEW_TYPES[reviewType]) return OLD_REVIEW_TYPES[reviewType];
    return byAction('pull_request', action);
  }
  if (p['issue']) return byAction('issue', action) === 'issue' ? 'issues' : byAction('issue', action);
  if (typeof p['ref'] === 'string' && Array.isArray(p['commits'])) return 'push';
  return undefined;
}

const OLD_REVIEW_TYPES: Record<string, string> = {
  pull_request_approved: 'pull_request_review_approved',
  pull_request_rejected: 'pull_request_review_rejected',
  pull_request_comment: 'pull_request_review_comment',
};

function byAction(prefix: 'issue' | 'pull_request', action: string): string {
  if (action === 'label_updated' || action === 'label_cleared') return `${prefix}_label`;
  if (action === 'assigned' || action === 'unassigned') return `${prefix}_assign`;
  if (action === 'milestoned' || action === 'demilestoned') return `${prefix}_milestone`;
  if (prefix === 'pull_request' && action === 'synchronized') return 'pull_request_sync';
  if (prefix === 'pull_request' && (action === 'review_requested' || action === 'review_request_removed')) return 'pull_request_review_request';
  return prefix;
}
