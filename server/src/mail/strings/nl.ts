import type { MailStrings } from './types';

export const nl: MailStrings = {
  when: '{date}, {time} ({zone})',
  labelSeparator: ': ',
  greeting: 'Hallo {name},',
  greetingAnonymous: 'Hallo,',
  appointment: 'Afspraak',
  labels: { when: 'Datum en tijd', service: 'Dienst', with: 'Bij', reference: 'Boekingsnummer' },
  code: {
    subject: '{code} is je verificatiecode voor {site}',
    heading: 'Je verificatiecode',
    intro: 'Vul deze code in om je e-mailadres te bevestigen bij {site}:',
    expiry: 'De code is {minutes} geldig en werkt één keer.',
    ignore: 'Heb je geen code aangevraagd? Dan kun je deze e-mail negeren.',
  },
  confirmation: {
    subject: 'Je afspraak bij {site} is bevestigd: {date}, {time}',
    heading: 'Je afspraak is bevestigd',
    intro: 'Bedankt voor je boeking. We zien je graag!',
  },
  reschedule: {
    subject: 'Je afspraak bij {site} is verplaatst naar {date}, {time}',
    heading: 'Je afspraak is verplaatst',
    intro: 'Je afspraak vindt nu plaats op de nieuwe tijd hieronder.',
    previously: 'Eerder: {when}',
  },
  cancellation: {
    subject: 'Je afspraak bij {site} op {date} is geannuleerd',
    heading: 'Je afspraak is geannuleerd',
    intro: 'De afspraak hieronder is geannuleerd. Hopelijk tot een volgende keer.',
  },
  reminder: {
    subject: 'Herinnering: je afspraak bij {site} op {date} om {time}',
    heading: 'Je afspraak komt eraan',
    intro: 'We herinneren je graag aan je afspraak {day}.',
  },
  manage: {
    button: 'Boeking beheren',
    buttonCancelled: 'Mijn boekingen bekijken',
    text: 'Wil je je afspraak verplaatsen of annuleren? Beheer je boeking hier:',
    textCancelled: 'Bekijk je boekingen of maak hier een nieuwe afspraak:',
    note: 'Je bevestigt je e-mailadres met een eenmalige code.',
    copyLink: 'Werkt de knop niet? Kopieer dan deze link naar je browser:',
  },
  calendar: {
    add: 'Met het bijgevoegde agendabestand zet je de afspraak in je agenda.',
    update: 'Het bijgevoegde agendabestand werkt de afspraak in je agenda bij.',
    remove: 'Het bijgevoegde agendabestand haalt de afspraak uit je agenda.',
  },
  footer: 'Deze e-mail is verstuurd door {site} over een boeking met dit e-mailadres.',
  footerCode: 'Deze e-mail is verstuurd door {site} omdat er voor dit adres een verificatiecode is aangevraagd.',
  page: {
    title: 'Je boeking beheren – {site}',
    heading: 'Je boeking beheren',
    invalidLink: 'Deze link is niet geldig. Vul hieronder je e-mailadres in om je boekingen te bekijken en te beheren.',
    noScript: 'Voor het beheren van je boekingen is JavaScript nodig.',
  },
};
