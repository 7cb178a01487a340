import type { MailStrings } from './types';

export const de: MailStrings = {
  when: '{date}, {time} ({zone})',
  labelSeparator: ': ',
  greeting: 'Guten Tag {name},',
  greetingAnonymous: 'Guten Tag,',
  appointment: 'Termin',
  labels: { when: 'Datum und Uhrzeit', service: 'Leistung', with: 'Bei', reference: 'Buchungsnummer' },
  code: {
    subject: '{code} ist Ihr Bestätigungscode für {site}',
    heading: 'Ihr Bestätigungscode',
    intro: 'Mit diesem Code bestätigen Sie Ihre E-Mail-Adresse bei {site}:',
    expiry: 'Er ist {minutes} lang gültig und kann einmal verwendet werden.',
    ignore: 'Falls Sie keinen Code angefordert haben, können Sie diese E-Mail einfach ignorieren.',
  },
  confirmation: {
    subject: 'Ihr Termin bei {site} ist bestätigt: {date}, {time}',
    heading: 'Ihr Termin ist bestätigt',
    intro: 'Vielen Dank für Ihre Buchung. Wir freuen uns auf Ihren Besuch.',
  },
  reschedule: {
    subject: 'Ihr Termin bei {site} wurde verschoben: {date}, {time}',
    heading: 'Ihr Termin wurde verschoben',
    intro: 'Ihr Termin findet jetzt zur unten genannten neuen Zeit statt.',
    previously: 'Bisher: {when}',
  },
  cancellation: {
    subject: 'Ihr Termin bei {site} am {date} wurde abgesagt',
    heading: 'Ihr Termin wurde abgesagt',
    intro: 'Der folgende Termin wurde abgesagt. Wir hoffen, Sie bald wieder bei uns begrüßen zu dürfen.',
  },
  reminder: {
    subject: 'Erinnerung: Ihr Termin bei {site} am {date} um {time}',
    heading: 'Ihr Termin steht bald an',
    intro: 'Wir möchten Sie an Ihren Termin {day} erinnern.',
  },
  manage: {
    button: 'Buchung verwalten',
    buttonCancelled: 'Meine Buchungen ansehen',
    text: 'Möchten Sie den Termin verschieben oder absagen? Hier verwalten Sie Ihre Buchung:',
    textCancelled: 'Hier sehen Sie Ihre Buchungen oder buchen einen neuen Termin:',
    note: 'Dort bestätigen Sie Ihre E-Mail-Adresse mit einem Einmalcode.',
    copyLink: 'Falls die Schaltfläche nicht funktioniert, kopieren Sie diesen Link in Ihren Browser:',
  },
  calendar: {
    add: 'Mit der angehängten Kalenderdatei tragen Sie den Termin in Ihren Kalender ein.',
    update: 'Die angehängte Kalenderdatei aktualisiert den Termin in Ihrem Kalender.',
    remove: 'Die angehängte Kalenderdatei entfernt den Termin aus Ihrem Kalender.',
  },
  footer: 'Diese E-Mail wurde von {site} zu einer Buchung mit dieser E-Mail-Adresse versandt.',
  footerCode: 'Diese E-Mail wurde von {site} versandt, weil für diese Adresse ein Bestätigungscode angefordert wurde.',
  page: {
    title: 'Buchung verwalten – {site}',
    heading: 'Ihre Buchung verwalten',
    invalidLink: 'Dieser Link ist ungültig. Geben Sie unten Ihre E-Mail-Adresse ein, um Ihre Buchungen zu sehen und zu verwalten.',
    noScript: 'Zum Verwalten Ihrer Buchungen wird JavaScript benötigt.',
  },
};
