import type { MailStrings } from './types';

export const en: MailStrings = {
  when: '{date}, {time} ({zone})',
  labelSeparator: ': ',
  greeting: 'Hello {name},',
  greetingAnonymous: 'Hello,',
  appointment: 'Appointment',
  labels: { when: 'When', service: 'Service', with: 'With', reference: 'Booking reference' },
  code: {
    subject: '{code} is your verification code for {site}',
    heading: 'Your verification code',
    intro: 'Enter this code to confirm your email address with {site}:',
    expiry: 'It is valid for {minutes} and works once.',
    ignore: 'If you did not ask for a code, you can ignore this email.',
  },
  confirmation: {
    subject: 'Your appointment at {site} is confirmed: {date}, {time}',
    heading: 'Your appointment is confirmed',
    intro: 'Thank you for your booking. We look forward to seeing you.',
  },
  reschedule: {
    subject: 'Your appointment at {site} has been moved to {date}, {time}',
    heading: 'Your appointment has been moved',
    intro: 'Your appointment now takes place at the new time below.',
    previously: 'Previously: {when}',
  },
  cancellation: {
    subject: 'Your appointment at {site} on {date} has been cancelled',
    heading: 'Your appointment has been cancelled',
    intro: 'The appointment below has been cancelled. We hope to see you another time.',
  },
  reminder: {
    subject: 'Reminder: your appointment at {site} on {date} at {time}',
    heading: 'Your appointment is coming up',
    intro: 'This is a reminder of your appointment {day}.',
  },
  manage: {
    button: 'Manage booking',
    buttonCancelled: 'View my bookings',
    text: 'Need to reschedule or cancel? Manage your booking here:',
    textCancelled: 'See your bookings or book a new appointment here:',
    note: 'You will confirm your email address with a one-time code.',
    copyLink: 'If the button does not work, copy this link into your browser:',
  },
  calendar: {
    add: 'The attached calendar file adds the appointment to your calendar.',
    update: 'The attached calendar file updates the appointment in your calendar.',
    remove: 'The attached calendar file removes the appointment from your calendar.',
  },
  footer: 'This email was sent by {site} about a booking made with this address.',
  footerCode: 'This email was sent by {site} because a verification code was requested for this address.',
  page: {
    title: 'Manage your booking – {site}',
    heading: 'Manage your booking',
    invalidLink: 'This link is not valid. Enter your email address below to see and manage your bookings.',
    noScript: 'Managing your bookings needs JavaScript.',
  },
};
