import type { MailStrings } from './types';

// French typography: a no-break space before « : », « ? » and « ! ».
export const fr: MailStrings = {
  when: '{date}, {time} ({zone})',
  labelSeparator: '\u00a0: ',
  greeting: 'Bonjour {name},',
  greetingAnonymous: 'Bonjour,',
  appointment: 'Rendez-vous',
  labels: { when: 'Date et heure', service: 'Prestation', with: 'Avec', reference: 'Référence' },
  code: {
    subject: '{code} est votre code de vérification pour {site}',
    heading: 'Votre code de vérification',
    intro: 'Saisissez ce code pour confirmer votre adresse e-mail auprès de {site}\u00a0:',
    expiry: 'Il est valable {minutes} et ne peut servir qu’une seule fois.',
    ignore: 'Si vous n’avez pas demandé de code, vous pouvez ignorer cet e-mail.',
  },
  confirmation: {
    subject: 'Votre rendez-vous chez {site} est confirmé\u00a0: {date}, {time}',
    heading: 'Votre rendez-vous est confirmé',
    intro: 'Merci pour votre réservation. Nous nous réjouissons de vous accueillir.',
  },
  reschedule: {
    subject: 'Votre rendez-vous chez {site} a été déplacé\u00a0: {date}, {time}',
    heading: 'Votre rendez-vous a été déplacé',
    intro: 'Votre rendez-vous a désormais lieu au nouvel horaire ci-dessous.',
    previously: 'Auparavant\u00a0: {when}',
  },
  cancellation: {
    subject: 'Votre rendez-vous chez {site} du {date} a été annulé',
    heading: 'Votre rendez-vous a été annulé',
    intro: 'Le rendez-vous ci-dessous a été annulé. Nous espérons vous revoir bientôt.',
  },
  reminder: {
    subject: 'Rappel\u00a0: votre rendez-vous chez {site} le {date} à {time}',
    heading: 'Votre rendez-vous approche',
    intro: 'Petit rappel\u00a0: votre rendez-vous a lieu {day}.',
  },
  manage: {
    button: 'Gérer ma réservation',
    buttonCancelled: 'Voir mes réservations',
    text: 'Besoin de déplacer ou d’annuler votre rendez-vous\u00a0? Gérez votre réservation ici\u00a0:',
    textCancelled: 'Consultez vos réservations ou prenez un nouveau rendez-vous ici\u00a0:',
    note: 'Vous confirmerez votre adresse e-mail avec un code à usage unique.',
    copyLink: 'Si le bouton ne fonctionne pas, copiez ce lien dans votre navigateur\u00a0:',
  },
  calendar: {
    add: 'Le fichier de calendrier joint ajoute le rendez-vous à votre agenda.',
    update: 'Le fichier de calendrier joint met à jour le rendez-vous dans votre agenda.',
    remove: 'Le fichier de calendrier joint retire le rendez-vous de votre agenda.',
  },
  footer: 'Cet e-mail vous a été envoyé par {site} au sujet d’une réservation faite avec cette adresse.',
  footerCode: 'Cet e-mail vous a été envoyé par {site} car un code de vérification a été demandé pour cette adresse.',
  page: {
    title: 'Gérer ma réservation – {site}',
    heading: 'Gérer ma réservation',
    invalidLink: 'Ce lien n’est pas valide. Saisissez votre adresse e-mail ci-dessous pour consulter et gérer vos réservations.',
    noScript: 'La gestion de vos réservations nécessite JavaScript.',
  },
};
