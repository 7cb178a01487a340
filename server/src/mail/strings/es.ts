import type { MailStrings } from './types';

export const es: MailStrings = {
  when: '{date}, {time} ({zone})',
  labelSeparator: ': ',
  // Spanish letters open with a colon after the name.
  greeting: 'Hola, {name}:',
  greetingAnonymous: 'Hola:',
  appointment: 'Cita',
  labels: { when: 'Fecha y hora', service: 'Servicio', with: 'Con', reference: 'Referencia' },
  code: {
    subject: '{code} es tu código de verificación para {site}',
    heading: 'Tu código de verificación',
    intro: 'Introduce este código para confirmar tu correo electrónico en {site}:',
    expiry: 'Es válido durante {minutes} y solo se puede usar una vez.',
    ignore: 'Si no has pedido ningún código, puedes ignorar este correo.',
  },
  confirmation: {
    subject: 'Tu cita en {site} está confirmada: {date}, {time}',
    heading: 'Tu cita está confirmada',
    intro: 'Gracias por tu reserva. ¡Te esperamos!',
  },
  reschedule: {
    subject: 'Tu cita en {site} se ha cambiado: {date}, {time}',
    heading: 'Tu cita se ha cambiado',
    intro: 'Tu cita es ahora en la nueva fecha y hora que ves abajo.',
    previously: 'Antes: {when}',
  },
  cancellation: {
    subject: 'Tu cita en {site} del {date} se ha cancelado',
    heading: 'Tu cita se ha cancelado',
    intro: 'La cita que ves abajo se ha cancelado. Esperamos verte en otra ocasión.',
  },
  reminder: {
    subject: 'Recordatorio: tu cita en {site}, {date}, {time}',
    heading: 'Tu cita se acerca',
    intro: 'Te recordamos que tienes una cita {day}.',
  },
  manage: {
    button: 'Gestionar reserva',
    buttonCancelled: 'Ver mis reservas',
    text: '¿Necesitas cambiar o cancelar la cita? Gestiona tu reserva aquí:',
    textCancelled: 'Consulta tus reservas o pide una cita nueva aquí:',
    note: 'Confirmarás tu correo electrónico con un código de un solo uso.',
    copyLink: 'Si el botón no funciona, copia este enlace en tu navegador:',
  },
  calendar: {
    add: 'El archivo de calendario adjunto añade la cita a tu calendario.',
    update: 'El archivo de calendario adjunto actualiza la cita en tu calendario.',
    remove: 'El archivo de calendario adjunto elimina la cita de tu calendario.',
  },
  footer: '{site} te ha enviado este correo por una reserva hecha con esta dirección.',
  footerCode: '{site} te ha enviado este correo porque se ha pedido un código de verificación para esta dirección.',
  page: {
    title: 'Gestionar tu reserva – {site}',
    heading: 'Gestionar tu reserva',
    invalidLink: 'Este enlace no es válido. Escribe tu correo electrónico abajo para ver y gestionar tus reservas.',
    noScript: 'Para gestionar tus reservas necesitas JavaScript.',
  },
};
