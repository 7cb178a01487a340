/** One outgoing mail, transport-neutral: the wordpress relay sends exactly this shape as JSON. */
export interface MailAttachment {
  filename: string;
  content: string | Buffer;
  contentType: string;
}

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
  attachments?: MailAttachment[];
  /** What the mail is, for logs and metrics (never the address). */
  kind: 'otp' | 'confirmation' | 'cancellation' | 'reschedule';
}

export interface MailTransport {
  readonly name: string;
  send(message: MailMessage): Promise<void>;
  close?(): void;
}
