/**
 * The tables as the AppointEase PHP plugin created them (before the sidecar):
 * no end time, buffers or idempotency hash on appointments, no buffers or
 * active flag on services, staff hours only as `working_hours` JSON, the
 * slot-lock table with its original columns, and none of the sidecar's tables.
 * `p` is the WordPress table prefix.
 */
export function originalPluginTables(p = 'wp_'): string[] {
  return [
    `CREATE TABLE ${p}appointments (
      id mediumint(9) NOT NULL AUTO_INCREMENT,
      name varchar(100) NOT NULL,
      email varchar(100) NOT NULL,
      phone varchar(20),
      appointment_date datetime NOT NULL,
      status varchar(20) DEFAULT 'confirmed',
      service_id mediumint(9),
      employee_id mediumint(9),
      customer_id mediumint(9),
      notes text,
      payment_status varchar(20) DEFAULT 'pending',
      total_amount decimal(10,2),
      strong_id varchar(20),
      idempotency_key varchar(64),
      rescheduled_at datetime NULL,
      original_date datetime NULL,
      created_at datetime DEFAULT CURRENT_TIMESTAMP,
      PRIMARY KEY (id),
      UNIQUE KEY strong_id (strong_id),
      UNIQUE KEY idempotency_key (idempotency_key),
      KEY idx_date_employee (appointment_date, employee_id),
      KEY idx_email_date (email, appointment_date),
      KEY idx_status_date (status, appointment_date)
    )`,
    `CREATE TABLE ${p}appointease_services (
      id mediumint(9) NOT NULL AUTO_INCREMENT,
      name varchar(255) NOT NULL,
      description text,
      duration int DEFAULT 30,
      price decimal(10,2),
      category_id mediumint(9),
      capacity int DEFAULT 1,
      advance_booking_days int DEFAULT 30,
      created_at datetime DEFAULT CURRENT_TIMESTAMP,
      PRIMARY KEY (id)
    )`,
    `CREATE TABLE ${p}appointease_staff (
      id mediumint(9) NOT NULL AUTO_INCREMENT,
      name varchar(255) NOT NULL,
      email varchar(100),
      phone varchar(20),
      working_hours text,
      created_at datetime DEFAULT CURRENT_TIMESTAMP,
      PRIMARY KEY (id)
    )`,
    `CREATE TABLE ${p}appointease_availability (
      id mediumint(9) NOT NULL AUTO_INCREMENT,
      staff_id mediumint(9) NOT NULL,
      day_of_week tinyint NOT NULL,
      start_time time NOT NULL,
      end_time time NOT NULL,
      is_available tinyint DEFAULT 1,
      created_at datetime DEFAULT CURRENT_TIMESTAMP,
      PRIMARY KEY (id)
    )`,
    `CREATE TABLE ${p}appointease_timeoff (
      id mediumint(9) NOT NULL AUTO_INCREMENT,
      staff_id mediumint(9) NOT NULL,
      start_date date NOT NULL,
      end_date date NOT NULL,
      reason varchar(255),
      created_at datetime DEFAULT CURRENT_TIMESTAMP,
      PRIMARY KEY (id)
    )`,
    `CREATE TABLE ${p}appointease_blackout_dates (
      id mediumint(9) NOT NULL AUTO_INCREMENT,
      start_date date NOT NULL,
      end_date date NOT NULL,
      reason varchar(255),
      created_at datetime DEFAULT CURRENT_TIMESTAMP,
      PRIMARY KEY (id)
    )`,
    originalSlotLocksTable(p),
  ];
}

/** The plugin's slot-lock table: its unique index is `unique_slot`, ours `uniq_slot`, over the same columns. */
export function originalSlotLocksTable(p = 'wp_'): string {
  return `CREATE TABLE ${p}appointease_slot_locks (
    id mediumint(9) NOT NULL AUTO_INCREMENT,
    date date NOT NULL,
    time time NOT NULL,
    employee_id mediumint(9) NOT NULL,
    client_id varchar(255) NOT NULL,
    expires_at datetime NOT NULL,
    created_at timestamp DEFAULT CURRENT_TIMESTAMP,
    PRIMARY KEY (id),
    UNIQUE KEY unique_slot (date, time, employee_id),
    KEY idx_expires (expires_at),
    KEY idx_client (client_id)
  )`;
}
