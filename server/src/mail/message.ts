/** One outgoing mail, transport-neutral: the wordpress relay sends exactly this shape as JSON. */
export interface MailAttachment {
  filename: string;
  content: string | Buffer;
  contentType: string;
}

export interface MailMessage {
  to: string;
  /**
   * The display name the customer knows (the site's name). Used with the
   * address of MAIL_FROM when MAIL_FROM names no one but AppointEase itself.
   */
  fromName?: string;
  subject: string;
  text: string;
  html: string;
  attachments?: MailAttachment[];
  /** What the mail is, for logs and metrics (never the address). */
  kind: 'otp' | 'confirmation' | 'cancellation' | 'reschedule' | 'reminder';
}

export interface MailTransport {
  readonly name: string;
  send(message: MailMessage): Promise<void>;
  close?(): void;
}
