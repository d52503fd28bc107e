export const PERIODS = [7, 14, 30, 90] as const;
export const DEFAULT_DAYS = 30;

export function parseDays(value: string | string[] | undefined): number {
  const raw = Array.isArray(value) ? value[0] : value;
  const days = Number(raw);
  return (PERIODS as readonly number[]).includes(days) ? days : DEFAULT_DAYS;
}
