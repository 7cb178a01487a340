/**
 * The tables exactly as the AppointEase PHP plugin's activation creates them
 * (Booking_Activator::create_tables in ../shared/fixtures/appointease-original/,
 * without WordPress's charset clause): no end time, buffers or idempotency hash on
 * appointments, no buffers or active flag on services, staff hours only as
 * `working_hours` JSON, the slot-lock table with its original columns, and none of
 * the sidecar's tables. test/e2e/wordpress-migration.test.ts checks this copy
 * against what the real activation leaves in information_schema.
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
      strong_id varchar(20) UNIQUE,
      idempotency_key varchar(64) UNIQUE,
      created_at datetime DEFAULT CURRENT_TIMESTAMP,
      rescheduled_at datetime NULL,
      original_date datetime NULL,
      PRIMARY KEY (id),
      INDEX idx_appointment_slot (appointment_date, employee_id),
      INDEX idx_idempotency (idempotency_key),
      INDEX idx_email_date (email, appointment_date),
      INDEX idx_status_date (status, appointment_date)
    )`,
    `CREATE TABLE ${p}appointease_services (
      id mediumint(9) NOT NULL AUTO_INCREMENT,
      name varchar(255) NOT NULL,
      description text,
      duration int(11) NOT NULL,
      price decimal(10,2) NOT NULL,
      category_id mediumint(9),
      capacity int(11) DEFAULT 1,
      advance_booking_days int(11) DEFAULT 30,
      created_at datetime DEFAULT CURRENT_TIMESTAMP,
      PRIMARY KEY (id)
    )`,
    `CREATE TABLE ${p}appointease_staff (
      id mediumint(9) NOT NULL AUTO_INCREMENT,
      name varchar(255) NOT NULL,
      email varchar(100) NOT NULL,
      phone varchar(20),
      working_hours text,
      created_at datetime DEFAULT CURRENT_TIMESTAMP,
      PRIMARY KEY (id)
    )`,
    `CREATE TABLE ${p}appointease_categories (
      id mediumint(9) NOT NULL AUTO_INCREMENT,
      name varchar(255) NOT NULL,
      description text,
      color varchar(7) DEFAULT '#1CBC9B',
      created_at datetime DEFAULT CURRENT_TIMESTAMP,
      PRIMARY KEY (id)
    )`,
    `CREATE TABLE ${p}appointease_availability (
      id mediumint(9) NOT NULL AUTO_INCREMENT,
      staff_id mediumint(9) NOT NULL,
      day_of_week tinyint(1) NOT NULL,
      start_time time NOT NULL,
      end_time time NOT NULL,
      is_available tinyint(1) DEFAULT 1,
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
    `CREATE TABLE ${p}appointease_customers (
      id mediumint(9) NOT NULL AUTO_INCREMENT,
      name varchar(255) NOT NULL,
      email varchar(100) NOT NULL,
      phone varchar(20),
      notes text,
      total_appointments int(11) DEFAULT 0,
      created_at datetime DEFAULT CURRENT_TIMESTAMP,
      PRIMARY KEY (id)
    )`,
    `CREATE TABLE ${p}appointease_email_templates (
      id mediumint(9) NOT NULL AUTO_INCREMENT,
      name varchar(255) NOT NULL,
      subject varchar(255) NOT NULL,
      body text NOT NULL,
      type varchar(50) NOT NULL,
      is_active tinyint(1) DEFAULT 1,
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
    date DATE NOT NULL,
    time TIME NOT NULL,
    employee_id mediumint(9) NOT NULL,
    client_id VARCHAR(255) NOT NULL,
    expires_at DATETIME NOT NULL,
    created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    PRIMARY KEY (id),
    UNIQUE KEY unique_slot (date, time, employee_id),
    INDEX idx_expires (expires_at),
    INDEX idx_client (client_id)
  ) ENGINE=InnoDB`;
}
