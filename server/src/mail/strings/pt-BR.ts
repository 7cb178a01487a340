import type { MailStrings } from './types';

export const ptBR: MailStrings = {
  when: '{date}, {time} ({zone})',
  labelSeparator: ': ',
  greeting: 'Olá, {name}!',
  greetingAnonymous: 'Olá!',
  appointment: 'Agendamento',
  labels: { when: 'Data e horário', service: 'Serviço', with: 'Com', reference: 'Código do agendamento' },
  code: {
    subject: '{code} é o seu código de verificação para {site}',
    heading: 'Seu código de verificação',
    intro: 'Digite este código para confirmar seu e-mail em {site}:',
    expiry: 'Ele vale por {minutes} e só pode ser usado uma vez.',
    ignore: 'Se você não pediu um código, pode ignorar este e-mail.',
  },
  confirmation: {
    subject: 'Seu horário em {site} está confirmado: {date}, {time}',
    heading: 'Seu horário está confirmado',
    intro: 'Obrigado pelo agendamento. Esperamos por você!',
  },
  reschedule: {
    subject: 'Seu agendamento em {site} foi remarcado para {date}, {time}',
    heading: 'Seu agendamento foi remarcado',
    intro: 'Seu agendamento agora é no novo horário abaixo.',
    previously: 'Antes: {when}',
  },
  cancellation: {
    subject: 'Seu agendamento em {site} de {date} foi cancelado',
    heading: 'Seu agendamento foi cancelado',
    intro: 'O agendamento abaixo foi cancelado. Esperamos ver você em outra ocasião.',
  },
  reminder: {
    subject: 'Lembrete: seu horário em {site}, {date}, às {time}',
    heading: 'Seu horário está chegando',
    intro: 'Lembrete: você tem um horário marcado {day}.',
  },
  manage: {
    button: 'Gerenciar agendamento',
    buttonCancelled: 'Ver meus agendamentos',
    text: 'Precisa remarcar ou cancelar? Gerencie seu agendamento aqui:',
    textCancelled: 'Veja seus agendamentos ou marque um novo horário aqui:',
    note: 'Você vai confirmar seu e-mail com um código de uso único.',
    copyLink: 'Se o botão não funcionar, copie este link no seu navegador:',
  },
  calendar: {
    add: 'O arquivo de calendário anexo adiciona o horário à sua agenda.',
    update: 'O arquivo de calendário anexo atualiza o horário na sua agenda.',
    remove: 'O arquivo de calendário anexo remove o horário da sua agenda.',
  },
  footer: 'Este e-mail foi enviado por {site} sobre um agendamento feito com este endereço.',
  footerCode: 'Este e-mail foi enviado por {site} porque um código de verificação foi solicitado para este endereço.',
  page: {
    title: 'Gerenciar agendamento – {site}',
    heading: 'Gerenciar agendamento',
    invalidLink: 'Este link não é válido. Informe seu e-mail abaixo para ver e gerenciar seus agendamentos.',
    noScript: 'Para gerenciar seus agendamentos, é preciso ativar o JavaScript.',
  },
};
