/** A duration as .NET serialises a TimeSpan ("01:00:00", "1.00:00:00"), as the SDK's EmissionsData.duration is. */
export function toTimeSpan(seconds: number): string {
  const total = Math.round(seconds);
  const days = Math.floor(total / 86400);
  const rest = total - days * 86400;
  const two = (n: number): string => String(n).padStart(2, '0');
  const hms = `${two(Math.floor(rest / 3600))}:${two(Math.floor((rest % 3600) / 60))}:${two(rest % 60)}`;
  return days > 0 ? `${days}.${hms}` : hms;
}
