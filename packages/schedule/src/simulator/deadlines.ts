import type { LocalCalendar } from './calendar.js';

/**
 * When a shifted ML job must be done, as a function of when it would finish if started on arrival
 * ("original finish"). After Wiesner et al. (2021): results are needed when people are back at work.
 * - next-workday: a job finishing during office hours (Mon-Fri, 9:00-17:00 local) has no slack; one finishing
 *   outside them must be done by the next workday's 9:00.
 * - semi-weekly: done by the next Monday or Thursday 9:00 (results are looked at twice a week).
 * - slack: a fixed number of seconds after the original finish.
 */
export type DeadlinePolicy =
  | { kind: 'next-workday' }
  | { kind: 'semi-weekly' }
  | { kind: 'slack'; slackS: number };

export interface OfficeHours {
  /** Local hour the working day starts (deadlines fall here). */
  startH: number;
  /** Local hour it ends. */
  endH: number;
}

export const DEFAULT_OFFICE_HOURS: OfficeHours = { startH: 9, endH: 17 };

const isWorkday = (weekday: number): boolean => weekday < 5;

export function deadlineFor(
  originalFinishS: number,
  policy: DeadlinePolicy,
  cal: LocalCalendar,
  office: OfficeHours = DEFAULT_OFFICE_HOURS,
): number {
  if (policy.kind === 'slack') return originalFinishS + policy.slackS;
  const p = cal.parts(originalFinishS);
  const hourOf = p.hour + p.minute / 60 + p.second / 3600;
  const startAt = (dayOffset: number): number => cal.toEpoch(p.year, p.month, p.day + dayOffset, office.startH);
  if (policy.kind === 'next-workday') {
    if (isWorkday(p.weekday) && hourOf >= office.startH && hourOf <= office.endH) return originalFinishS;
    if (isWorkday(p.weekday) && hourOf < office.startH) return startAt(0);
    let d = 1;
    while (!isWorkday((p.weekday + d) % 7)) d++;
    return startAt(d);
  }
  // semi-weekly: the first Monday (0) or Thursday (3) office start at or after the original finish.
  for (let d = 0; d <= 7; d++) {
    const wd = (p.weekday + d) % 7;
    if (wd !== 0 && wd !== 3) continue;
    const t = startAt(d);
    if (t >= originalFinishS) return t;
  }
  /* c8 ignore next */
  throw new Error('unreachable: a Monday or Thursday always falls within a week');
}

export function describeDeadline(policy: DeadlinePolicy): string {
  return policy.kind === 'slack' ? `+${policy.slackS / 3600}h` : policy.kind;
}
