import type { TestSidecar } from './sidecar';
import { partOf } from './mail';

/**
 * Customer helpers: sign in through the real OTP flow (the code read back
 * from the log of sent mail), and write appointments the way a booking or
 * the original plugin would leave them.
 */
export async function signIn(s: TestSidecar, email: string, readCode: (email: string) => Promise<string>): Promise<string> {
  const sent = await s.api('/otp', { method: 'POST', json: { email } });
  if (sent.status !== 202) throw new Error(`POST /otp answered ${sent.status}`);
  const code = await readCode(email);
  const res = await s.api('/otp/verify', { method: 'POST', json: { email, code } });
  if (res.status !== 200) throw new Error(`POST /otp/verify answered ${res.status}`);
  return (await res.json()).sessionToken;
}

/** Reads the newest code mailed to an address from a capturing transport. */
export function codeFromMails(mails: { to: string[]; parsed: any }[], email: string): string {
  const mail = mails.filter((m) => m.to.includes(email)).pop();
  if (!mail) throw new Error(`no mail to ${email}`);
  return /\b(\d{6})\b/.exec(partOf(mail as any, 'text/plain')!.body)![1]!;
}

let refSeq = 0;

export async function insertAppointment(
  s: TestSidecar,
  a: { email: string; name?: string; date: string; time: string; endTime?: string; serviceId: number; employeeId: number; status?: string; reference?: string },
): Promise<{ id: number; reference: string }> {
  const reference = a.reference ?? `APT-${a.date.slice(0, 4)}-${String(900_000 + ++refSeq + Math.floor(Math.random() * 90_000)).padStart(6, '0')}`;
  const [r] = await s.db.pool.query<any>(
    `INSERT INTO wp_appointments (name, email, appointment_date, end_date, status, service_id, employee_id, strong_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    [a.name ?? 'Customer', a.email, `${a.date} ${a.time}:00`, a.endTime ? `${a.date} ${a.endTime}:00` : null, a.status ?? 'confirmed', a.serviceId, a.employeeId, reference],
  );
  return { id: r.insertId, reference };
}
