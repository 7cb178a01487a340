import type { MailStrings } from './types';

export const it: MailStrings = {
  when: '{date}, {time} ({zone})',
  labelSeparator: ': ',
  greeting: 'Ciao {name},',
  greetingAnonymous: 'Ciao,',
  appointment: 'Appuntamento',
  labels: { when: 'Data e ora', service: 'Servizio', with: 'Con', reference: 'Codice prenotazione' },
  code: {
    subject: '{code} è il tuo codice di verifica per {site}',
    heading: 'Il tuo codice di verifica',
    intro: 'Inserisci questo codice per confermare il tuo indirizzo e-mail su {site}:',
    expiry: 'È valido per {minutes} e si può usare una sola volta.',
    ignore: 'Se non hai richiesto alcun codice, puoi ignorare questa e-mail.',
  },
  confirmation: {
    subject: 'Il tuo appuntamento da {site} è confermato: {date}, {time}',
    heading: 'Il tuo appuntamento è confermato',
    intro: 'Grazie per la prenotazione. Ti aspettiamo!',
  },
  reschedule: {
    subject: 'Il tuo appuntamento da {site} è stato spostato: {date}, {time}',
    heading: 'Il tuo appuntamento è stato spostato',
    intro: 'Il tuo appuntamento ora è nel nuovo orario indicato qui sotto.',
    previously: 'Prima: {when}',
  },
  cancellation: {
    subject: 'Il tuo appuntamento da {site} del {date} è stato annullato',
    heading: 'Il tuo appuntamento è stato annullato',
    intro: 'L’appuntamento qui sotto è stato annullato. Speriamo di rivederti presto.',
  },
  reminder: {
    subject: 'Promemoria: appuntamento da {site}, {date} alle {time}',
    heading: 'Il tuo appuntamento si avvicina',
    intro: 'Ti ricordiamo che hai un appuntamento {day}.',
  },
  manage: {
    button: 'Gestisci prenotazione',
    buttonCancelled: 'Vedi le mie prenotazioni',
    text: 'Devi spostare o annullare l’appuntamento? Gestisci qui la tua prenotazione:',
    textCancelled: 'Vedi le tue prenotazioni o prenota un nuovo appuntamento qui:',
    note: 'Confermerai il tuo indirizzo e-mail con un codice monouso.',
    copyLink: 'Se il pulsante non funziona, copia questo link nel browser:',
  },
  calendar: {
    add: 'Il file di calendario allegato aggiunge l’appuntamento al tuo calendario.',
    update: 'Il file di calendario allegato aggiorna l’appuntamento nel tuo calendario.',
    remove: 'Il file di calendario allegato rimuove l’appuntamento dal tuo calendario.',
  },
  footer: 'Questa e-mail ti è stata inviata da {site} per una prenotazione fatta con questo indirizzo.',
  footerCode: 'Questa e-mail ti è stata inviata da {site} perché è stato richiesto un codice di verifica per questo indirizzo.',
  page: {
    title: 'Gestisci la prenotazione – {site}',
    heading: 'Gestisci la prenotazione',
    invalidLink: 'Questo link non è valido. Inserisci qui sotto il tuo indirizzo e-mail per vedere e gestire le tue prenotazioni.',
    noScript: 'Per gestire le prenotazioni serve JavaScript.',
  },
};
