/** One line of `kugetsu doctor`. `warn` is shown but does not fail the run. */
export interface DoctorCheck {
  name: string;
  status: 'ok' | 'fail' | 'warn';
  detail: string;
  /** What to do about a `fail` or `warn`. */
  fix?: string;
}

/** A passed check. */
export function ok(name: string, detail: string): DoctorCheck {
  return { name, status: 'ok', detail };
}

/** A failed check and what to do. */
export function fail(name: string, detail: string, fix: string): DoctorCheck {
  return { name, status: 'fail', detail, fix };
}

/** A check worth a look that does not fail the run. */
export function warn(name: string, detail: string, fix: string): DoctorCheck {
  return { name, status: 'warn', detail, fix };
}
