/**
 * The original AppointEase plugin's option rows as WordPress stores them (PHP's
 * serialize(), in `{p}options`).
 *
 * `activationOptionRows` is what Booking_Activator::set_default_options() writes
 * (../shared/fixtures/appointease-original/includes/class-activator.php), for a site whose
 * admin email is admin@example.com and title "AppointEase Test";
 * test/e2e/wordpress-migration.test.ts checks it against the rows a real activation leaves.
 * `savedSettingsRows` is the same site after the owner saved the plugin's settings page
 * (every field a string, as the form posts it) and its email settings with an SMTP password
 * (that form posts six fields and the plugin stores exactly what it posts, so
 * enable_reminders and reminder_hours are gone), with a webhook URL set.
 */
export const activationOptionRows: Record<string, string> = {
  booking_plugin_version: '1.0.0',
  booking_plugin_settings:
    'a:2:{s:10:"time_slots";a:6:{i:0;s:5:"09:00";i:1;s:5:"10:00";i:2;s:5:"11:00";i:3;s:5:"14:00";i:4;s:5:"15:00";i:5;s:5:"16:00";}s:11:"admin_email";s:17:"admin@example.com";}',
  appointease_email_settings:
    'a:9:{s:9:"smtp_host";s:0:"";s:9:"smtp_port";s:3:"587";s:13:"smtp_username";s:0:"";s:13:"smtp_password";s:0:"";s:15:"smtp_encryption";s:3:"tls";s:10:"from_email";s:17:"admin@example.com";s:9:"from_name";s:16:"AppointEase Test";s:16:"enable_reminders";i:1;s:14:"reminder_hours";i:24;}',
  appointease_atomic_settings:
    'a:6:{s:21:"enable_atomic_booking";i:1;s:20:"max_booking_attempts";i:3;s:17:"rate_limit_window";i:300;s:19:"idempotency_timeout";i:3600;s:18:"conflict_detection";i:1;s:17:"websocket_enabled";i:0;}',
  appointease_options:
    'a:5:{s:12:"working_days";a:5:{i:0;s:1:"1";i:1;s:1:"2";i:2;s:1:"3";i:3;s:1:"4";i:4;s:1:"5";}s:10:"start_time";s:5:"09:00";s:8:"end_time";s:5:"17:00";s:13:"slot_duration";i:60;s:15:"advance_booking";i:30;}',
};

export const SMTP_PASSWORD = 'hunter2-smtp-secret';

export const savedSettingsRows: Record<string, string> = {
  ...activationOptionRows,
  appointease_options:
    'a:12:{s:10:"start_time";s:5:"10:00";s:8:"end_time";s:5:"18:00";s:12:"working_days";a:5:{i:0;s:1:"2";i:1;s:1:"3";i:2;s:1:"4";i:3;s:1:"5";i:4;s:1:"6";}s:13:"slot_duration";s:2:"30";s:15:"advance_booking";s:2:"14";s:14:"email_customer";s:1:"1";s:11:"email_admin";s:1:"1";s:11:"admin_email";s:17:"owner@example.com";s:11:"min_advance";s:2:"24";s:12:"max_bookings";s:2:"10";s:13:"primary_color";s:7:"#8e44ad";s:11:"button_text";s:8:"Book now";}',
  appointease_email_settings:
    'a:6:{s:9:"smtp_host";s:16:"smtp.example.com";s:9:"smtp_port";s:3:"587";s:13:"smtp_username";s:17:"owner@example.com";s:13:"smtp_password";s:19:"hunter2-smtp-secret";s:10:"from_email";s:17:"owner@example.com";s:9:"from_name";s:14:"Studio Ümlaut";}',
  appointease_webhook_url: 'https://hooks.example.com/appointease',
};

/** WordPress's options table, as wp_install() creates it. */
export function wordpressOptionsTable(p = 'wp_'): string {
  return `CREATE TABLE ${p}options (
    option_id bigint(20) unsigned NOT NULL AUTO_INCREMENT,
    option_name varchar(191) NOT NULL DEFAULT '',
    option_value longtext NOT NULL,
    autoload varchar(20) NOT NULL DEFAULT 'yes',
    PRIMARY KEY (option_id),
    UNIQUE KEY option_name (option_name)
  )`;
}

/**
 * The rows Booking_Activator::insert_default_data() adds to an empty install: its two
 * services and two staff members with JSON hours (categories, mail templates and the
 * current year's holidays are left out: nothing here reads them).
 */
export function activationCatalogueRows(p = 'wp_'): string[] {
  return [
    `INSERT INTO ${p}appointease_services (name, description, duration, price, category_id) VALUES
      ('Consultation', 'Initial consultation session', 30, 75.00, 1), ('Premium Service', 'Extended premium service', 60, 150.00, 2)`,
    `INSERT INTO ${p}appointease_staff (name, email, phone, working_hours) VALUES
      ('Sarah Johnson', 'sarah@appointease.com', '555-0123', '{"mon":["09:00","17:00"],"tue":["09:00","17:00"],"wed":["09:00","17:00"],"thu":["09:00","17:00"],"fri":["09:00","17:00"]}'),
      ('Mike Wilson', 'mike@appointease.com', '555-0124', '{"mon":["10:00","18:00"],"tue":["10:00","18:00"],"wed":["10:00","18:00"],"thu":["10:00","18:00"],"fri":["10:00","18:00"]}')`,
  ];
}
