import type { DeliveryMeta } from '../store/job-store.js';

/**
 * How a delegation reached kugetsu, for the idempotency record: the delivery id, its event type and
 * content key, and when it arrived (ISO 8601; now when absent).
 */
export type AdmissionSource = Omit<DeliveryMeta, 'receivedAt'> & { receivedAt?: string };
