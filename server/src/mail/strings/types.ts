/**
 * The words of the customer mails and the manage page, one file per language.
 * `{name}` placeholders are filled by the builders; counts arrive already
 * written by Intl (`{minutes}` = "10 minutes", "10 Minuten", "10 دقائق"), so
 * no plural rules live here. Written for each language, not translated word
 * for word: the same forms of address as the widget (Sie, vous, tú, tu, je,
 * você).
 */
export interface MailStrings {
  /** How date, time range and zone join in a sentence: `{date}, {time} ({zone})`. */
  when: string;
  /** Between a label and its value in the text part (French puts a space before the colon). */
  labelSeparator: string;
  greeting: string;
  greetingAnonymous: string;
  /** The service's name when the row has none. */
  appointment: string;
  labels: { when: string; service: string; with: string; reference: string };
  code: { subject: string; heading: string; intro: string; expiry: string; ignore: string };
  confirmation: { subject: string; heading: string; intro: string };
  reschedule: { subject: string; heading: string; intro: string; previously: string };
  cancellation: { subject: string; heading: string; intro: string };
  reminder: { subject: string; heading: string; intro: string };
  manage: { button: string; buttonCancelled: string; text: string; textCancelled: string; note: string; copyLink: string };
  calendar: { add: string; update: string; remove: string };
  footer: string;
  footerCode: string;
  page: { title: string; heading: string; invalidLink: string; noScript: string };
}
