<?php
/**
 * Creates and upgrades AppointEase's tables from wp-bridge/schema/schema.json.
 *
 * @package AppointEase_Bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * Additive schema installer.
 *
 * The sidecar's `npm run migrate` reads the same schema.json, so either side may run
 * first. Sites that already run the AppointEase plugin have these tables with their own
 * rows: this class therefore only creates missing tables, adds missing columns, primary
 * keys and indexes, and widens a varchar the definition wants longer — it never drops,
 * narrows or retypes anything. dbDelta() is deliberately not
 * used: it parses CREATE TABLE text with whitespace-sensitive regexes and may alter
 * existing column types; here every decision comes from information_schema instead.
 *
 * The rules are the sidecar's, rule for rule (server/src/db/schema.ts and migrate.ts), and
 * test/bridge/migrators-agree.test.ts compares what the two leave in information_schema:
 * - a new table is utf8mb4/InnoDB, in the collation of WordPress's own options table when
 *   that is a utf8mb4 one, else utf8mb4_unicode_ci;
 * - a missing column is added where the definition puts it (after its predecessor, or
 *   first), NULL-able when the definition says NOT NULL without a default;
 * - a missing AUTO_INCREMENT column is added only together with the primary key it is,
 *   when the table has none; otherwise it is reported;
 * - a live varchar shorter than its definition is widened to it, keeping its character
 *   set, collation and nullability (nothing else about an existing column ever changes);
 * - a missing primary key is added when its columns exist;
 * - an index counts as present under its name or as another index with the same columns
 *   and uniqueness.
 */
class Appointease_Bridge_Schema {

	const VERSION_OPTION = 'appointease_bridge_schema_hash';
	const ERROR_OPTION   = 'appointease_bridge_schema_errors';

	/**
	 * Activation hook.
	 */
	public static function activate() {
		self::install();
	}

	/**
	 * Re-runs the installer after a plugin update (updates do not fire the activation hook).
	 */
	public static function maybe_upgrade() {
		$path = self::definition_path();
		if ( ! is_readable( $path ) ) {
			return;
		}
		if ( get_option( self::VERSION_OPTION ) !== md5_file( $path ) ) {
			self::install();
		}
	}

	/**
	 * Where the shared definition lives.
	 */
	public static function definition_path() {
		return APPOINTEASE_BRIDGE_DIR . 'schema/schema.json';
	}

	/**
	 * Creates missing tables, columns and indexes.
	 *
	 * @param string|null $prefix Table prefix; defaults to $wpdb->prefix.
	 * @return array{created: string[], columns: string[], widened: string[], indexes: string[], errors: string[]} What was done.
	 */
	public static function install( $prefix = null ) {
		global $wpdb;
		$report = array(
			'created' => array(),
			'columns' => array(),
			'widened' => array(),
			'indexes' => array(),
			'errors'  => array(),
		);

		$definition = self::load_definition();
		if ( is_wp_error( $definition ) ) {
			$report['errors'][] = $definition->get_error_message();
			update_option( self::ERROR_OPTION, $report['errors'], false );
			return $report;
		}
		$prefix = null === $prefix ? $wpdb->prefix : $prefix;

		// Errors are collected into the report; printing them mid-activation would break the redirect.
		$suppressed = $wpdb->suppress_errors( true );
		$collation  = self::table_collation( $prefix );
		foreach ( $definition['tables'] as $table ) {
			$name = $prefix . $table['name'];
			if ( ! self::is_identifier( $name ) ) {
				$report['errors'][] = 'Invalid table name: ' . $name;
				continue;
			}
			if ( ! self::table_exists( $name ) ) {
				if ( false === $wpdb->query( self::create_statement( $name, $table, $collation ) ) ) { // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared -- identifiers validated, definitions come from the plugin's own schema.json.
					$report['errors'][] = $name . ': ' . $wpdb->last_error;
				} else {
					$report['created'][] = $name;
				}
				continue;
			}
			self::add_missing_columns( $name, $table, $report );
			self::widen_columns( $name, $table, $report );
			self::add_missing_indexes( $name, $table, $report );
		}
		$wpdb->suppress_errors( $suppressed );

		if ( empty( $report['errors'] ) ) {
			update_option( self::VERSION_OPTION, md5_file( self::definition_path() ), false );
			delete_option( self::ERROR_OPTION );
		} else {
			// Kept for an admin notice; forgetting the hash makes the next admin request retry.
			update_option( self::ERROR_OPTION, $report['errors'], false );
			delete_option( self::VERSION_OPTION );
		}
		return $report;
	}

	/**
	 * Reads and validates schema.json.
	 *
	 * @return array|WP_Error
	 */
	public static function load_definition() {
		$path = self::definition_path();
		$json = is_readable( $path ) ? file_get_contents( $path ) : false; // phpcs:ignore WordPress.WP.AlternativeFunctions.file_get_contents_file_get_contents -- local file.
		$data = false === $json ? null : json_decode( $json, true );
		if ( ! is_array( $data ) || ! isset( $data['tables'] ) || ! is_array( $data['tables'] ) ) {
			return new WP_Error( 'appointease_schema', 'The schema definition ' . $path . ' is missing or not valid JSON.' );
		}
		foreach ( $data['tables'] as $table ) {
			if ( ! isset( $table['name'], $table['columns'] ) || ! self::is_identifier( $table['name'] ) || ! is_array( $table['columns'] ) ) {
				return new WP_Error( 'appointease_schema', 'The schema definition has a malformed table entry.' );
			}
			foreach ( $table['columns'] as $column ) {
				if ( ! is_array( $column ) || 2 !== count( $column ) || ! self::is_identifier( $column[0] ) || ! is_string( $column[1] ) ) {
					return new WP_Error( 'appointease_schema', 'The schema definition has a malformed column in ' . $table['name'] . '.' );
				}
			}
			foreach ( isset( $table['indexes'] ) ? $table['indexes'] : array() as $index ) {
				if ( ! isset( $index['name'], $index['columns'] ) || ! self::is_identifier( $index['name'] ) || array() === $index['columns'] ) {
					return new WP_Error( 'appointease_schema', 'The schema definition has a malformed index in ' . $table['name'] . '.' );
				}
			}
		}
		return $data;
	}

	/**
	 * The collation of new tables: that of WordPress's own options table when it is a
	 * utf8mb4 one (so joins with the plugin's tables, made with WordPress's collation, never
	 * mix collations), else utf8mb4_unicode_ci.
	 *
	 * @param string $prefix Table prefix.
	 */
	public static function table_collation( $prefix ) {
		global $wpdb;
		$collation = $wpdb->get_var( $wpdb->prepare( 'SELECT TABLE_COLLATION FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = %s', $prefix . 'options' ) );
		return is_string( $collation ) && 1 === preg_match( '/^utf8mb4_[a-z0-9_]+$/i', $collation ) ? $collation : 'utf8mb4_unicode_ci';
	}

	/**
	 * The CREATE TABLE statement for a table definition.
	 *
	 * @param string $name      Prefixed table name.
	 * @param array  $table     Table definition.
	 * @param string $collation A utf8mb4 collation (from table_collation()).
	 */
	public static function create_statement( $name, array $table, $collation = 'utf8mb4_unicode_ci' ) {
		$lines = array();
		foreach ( $table['columns'] as $column ) {
			$lines[] = self::quote( $column[0] ) . ' ' . $column[1];
		}
		if ( ! empty( $table['primaryKey'] ) ) {
			$lines[] = 'PRIMARY KEY (' . self::column_list( $table['primaryKey'] ) . ')';
		}
		foreach ( isset( $table['indexes'] ) ? $table['indexes'] : array() as $index ) {
			$lines[] = ( ! empty( $index['unique'] ) ? 'UNIQUE KEY ' : 'KEY ' ) . self::quote( $index['name'] ) . ' (' . self::column_list( $index['columns'] ) . ')';
		}
		$collation = 1 === preg_match( '/^utf8mb4_[a-z0-9_]+$/i', $collation ) ? $collation : 'utf8mb4_unicode_ci';
		return 'CREATE TABLE IF NOT EXISTS ' . self::quote( $name ) . " (\n  " . implode( ",\n  ", $lines ) . "\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=" . $collation;
	}

	/**
	 * A definition as added to an existing table: its first NOT NULL becomes NULL when it has
	 * no default (and is not AUTO_INCREMENT), because the rows already there have no value.
	 * The same whether or not the table has rows today, so the outcome never depends on data.
	 *
	 * @param string $definition Column definition from schema.json.
	 */
	public static function relaxed_definition( $definition ) {
		if ( 1 === preg_match( '/\bNOT NULL\b/i', $definition ) && 1 !== preg_match( '/\bDEFAULT\b/i', $definition ) && ! self::is_auto_increment( $definition ) ) {
			return preg_replace( '/\bNOT NULL\b/i', 'NULL', $definition, 1 );
		}
		return $definition;
	}

	/**
	 * Whether a column definition is AUTO_INCREMENT.
	 *
	 * @param string $definition Column definition.
	 */
	private static function is_auto_increment( $definition ) {
		return 1 === preg_match( '/\bAUTO_INCREMENT\b/i', $definition );
	}

	/**
	 * Adds the columns of the definition that the live table lacks, and the primary key when
	 * the table has none.
	 *
	 * @param string $name   Prefixed table name.
	 * @param array  $table  Table definition.
	 * @param array  $report Report to append to.
	 */
	private static function add_missing_columns( $name, array $table, array &$report ) {
		global $wpdb;
		$existing    = array_map( 'strtolower', $wpdb->get_col( $wpdb->prepare( 'SELECT COLUMN_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = %s', $name ) ) );
		$has_primary = '1' === (string) $wpdb->get_var( $wpdb->prepare( "SELECT 1 FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = %s AND INDEX_NAME = 'PRIMARY' LIMIT 1", $name ) );
		$primary_key = isset( $table['primaryKey'] ) && is_array( $table['primaryKey'] ) ? $table['primaryKey'] : array();
		$previous    = null;
		foreach ( $table['columns'] as $column ) {
			list( $column_name, $definition ) = $column;
			if ( in_array( strtolower( $column_name ), $existing, true ) ) {
				$previous = $column_name;
				continue;
			}
			$with_primary = false;
			if ( self::is_auto_increment( $definition ) ) {
				// An auto-increment column must be a key. It can come with the primary key it is,
				// when the table has none; beside another primary key it would change the table's identity.
				if ( $has_primary || 1 !== count( $primary_key ) || strtolower( $primary_key[0] ) !== strtolower( $column_name ) ) {
					$report['errors'][] = $name . '.' . $column_name . ': missing auto-increment column not added (the table has another primary key)';
					continue;
				}
				$with_primary = true;
			}
			// Same position as in the definition, so tables created and upgraded look alike.
			$position = null === $previous ? ' FIRST' : ' AFTER ' . self::quote( $previous );
			$sql      = 'ALTER TABLE ' . self::quote( $name ) . ' ADD COLUMN ' . self::quote( $column_name ) . ' ' . self::relaxed_definition( $definition ) . $position;
			if ( $with_primary ) {
				$sql .= ', ADD PRIMARY KEY (' . self::quote( $column_name ) . ')';
			}
			if ( false === $wpdb->query( $sql ) ) { // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared -- identifiers validated, definition from schema.json.
				$report['errors'][] = $name . '.' . $column_name . ': ' . $wpdb->last_error;
				continue;
			}
			$report['columns'][] = $name . '.' . $column_name;
			$existing[]          = strtolower( $column_name );
			$previous            = $column_name;
			if ( $with_primary ) {
				$report['indexes'][] = $name . '.PRIMARY';
				$has_primary         = true;
			}
		}

		if ( $primary_key && ! $has_primary && ! array_diff( array_map( 'strtolower', $primary_key ), $existing ) ) {
			$sql = 'ALTER TABLE ' . self::quote( $name ) . ' ADD PRIMARY KEY (' . self::column_list( $primary_key ) . ')';
			if ( false === $wpdb->query( $sql ) ) { // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared -- identifiers validated.
				$report['errors'][] = $name . '.PRIMARY: ' . $wpdb->last_error;
			} else {
				$report['indexes'][] = $name . '.PRIMARY';
			}
		}
	}

	/**
	 * Widens live varchar columns that are shorter than their definition (e.g. an email
	 * column from varchar(100) to varchar(190)), keeping the live character set, collation
	 * and nullability. Nothing else about an existing column is ever changed; the sidecar's
	 * migrate.ts (widenColumnSql) applies the same rule.
	 *
	 * @param string $name   Prefixed table name.
	 * @param array  $table  Table definition.
	 * @param array  $report Report to append to.
	 */
	private static function widen_columns( $name, array $table, array &$report ) {
		global $wpdb;
		$live = array();
		foreach ( (array) $wpdb->get_results( $wpdb->prepare( 'SELECT COLUMN_NAME, DATA_TYPE, CHARACTER_MAXIMUM_LENGTH, IS_NULLABLE, CHARACTER_SET_NAME, COLLATION_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = %s', $name ), ARRAY_A ) as $row ) {
			$live[ strtolower( $row['COLUMN_NAME'] ) ] = $row;
		}
		foreach ( $table['columns'] as $column ) {
			list( $column_name, $definition ) = $column;
			$row                              = isset( $live[ strtolower( $column_name ) ] ) ? $live[ strtolower( $column_name ) ] : null;
			if ( null === $row || 'varchar' !== strtolower( $row['DATA_TYPE'] ) || ! preg_match( '/^varchar\((\d+)\)\s*(.*)$/i', trim( $definition ), $want ) ) {
				continue;
			}
			if ( (int) $row['CHARACTER_MAXIMUM_LENGTH'] >= (int) $want[1] ) {
				continue;
			}
			$rest      = trim( preg_replace( '/\bNOT NULL\b|\bNULL\b/i', '', $want[2] ) );
			$nullable  = 'YES' === $row['IS_NULLABLE'] ? 'NULL' : 'NOT NULL';
			$charset   = self::is_identifier( (string) $row['CHARACTER_SET_NAME'] ) ? ' CHARACTER SET ' . $row['CHARACTER_SET_NAME'] : '';
			$collation = self::is_identifier( (string) $row['COLLATION_NAME'] ) ? ' COLLATE ' . $row['COLLATION_NAME'] : '';
			$sql       = 'ALTER TABLE ' . self::quote( $name ) . ' MODIFY COLUMN ' . self::quote( $column_name ) . ' varchar(' . (int) $want[1] . ')' . $charset . $collation . ' ' . $nullable . ( '' === $rest ? '' : ' ' . $rest );
			if ( false === $wpdb->query( $sql ) ) { // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared -- identifiers validated, definition from schema.json.
				$report['errors'][] = $name . '.' . $column_name . ': ' . $wpdb->last_error;
			} else {
				$report['widened'][] = $name . '.' . $column_name;
			}
		}
	}

	/**
	 * Adds the indexes of the definition that the live table lacks.
	 *
	 * An index counts as present when one of that name exists, or when one under another name
	 * has the same columns in the same order and the same uniqueness (the AppointEase plugin's
	 * own `unique_slot`, for instance): a second identical index would only slow every write.
	 * The sidecar's migrate.ts applies the same rule, so either side may run first.
	 *
	 * @param string $name   Prefixed table name.
	 * @param array  $table  Table definition.
	 * @param array  $report Report to append to.
	 */
	private static function add_missing_indexes( $name, array $table, array &$report ) {
		global $wpdb;
		$rows     = $wpdb->get_results( $wpdb->prepare( 'SELECT INDEX_NAME, COLUMN_NAME, NON_UNIQUE FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = %s ORDER BY INDEX_NAME, SEQ_IN_INDEX', $name ), ARRAY_A );
		$existing = array();
		$columns  = array();
		foreach ( (array) $rows as $row ) {
			$index = strtolower( $row['INDEX_NAME'] );
			if ( ! isset( $columns[ $index ] ) ) {
				$existing[]        = $index;
				$columns[ $index ] = array(
					'unique'  => 0 === (int) $row['NON_UNIQUE'],
					'columns' => array(),
				);
			}
			$columns[ $index ]['columns'][] = strtolower( $row['COLUMN_NAME'] );
		}
		$shapes = array();
		foreach ( $columns as $shape ) {
			$shapes[] = self::index_shape( $shape['unique'], $shape['columns'] );
		}
		$wanted = isset( $table['indexes'] ) ? $table['indexes'] : array();
		foreach ( $wanted as $index ) {
			if ( in_array( strtolower( $index['name'] ), $existing, true ) ) {
				continue;
			}
			if ( in_array( self::index_shape( ! empty( $index['unique'] ), array_map( 'strtolower', $index['columns'] ) ), $shapes, true ) ) {
				continue;
			}
			$sql = 'ALTER TABLE ' . self::quote( $name ) . ' ADD ' . ( ! empty( $index['unique'] ) ? 'UNIQUE INDEX ' : 'INDEX ' ) . self::quote( $index['name'] ) . ' (' . self::column_list( $index['columns'] ) . ')';
			// A unique index over rows that already collide fails; that is reported and the rest goes on.
			if ( false === $wpdb->query( $sql ) ) { // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared -- identifiers validated.
				$report['errors'][] = $name . '.' . $index['name'] . ': ' . $wpdb->last_error;
			} else {
				$report['indexes'][] = $name . '.' . $index['name'];
			}
		}
	}

	/**
	 * A comparable description of an index: uniqueness plus its ordered columns.
	 *
	 * @param bool     $unique  Whether the index is unique.
	 * @param string[] $columns Lower-cased column names in index order.
	 */
	private static function index_shape( $unique, array $columns ) {
		return ( $unique ? 'u:' : 'k:' ) . implode( ',', $columns );
	}

	/**
	 * Whether a table exists in the current database.
	 *
	 * @param string $name Prefixed table name.
	 */
	public static function table_exists( $name ) {
		global $wpdb;
		return '1' === (string) $wpdb->get_var( $wpdb->prepare( 'SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = %s', $name ) );
	}

	/**
	 * Whether a string is safe to use as a backtick-quoted identifier.
	 *
	 * @param mixed $name Candidate.
	 */
	private static function is_identifier( $name ) {
		return is_string( $name ) && 1 === preg_match( '/^[A-Za-z0-9_]{1,64}$/', $name );
	}

	/**
	 * Backtick-quotes a validated identifier.
	 *
	 * @param string $name Identifier.
	 */
	private static function quote( $name ) {
		return '`' . $name . '`';
	}

	/**
	 * A quoted, comma-separated column list.
	 *
	 * @param string[] $columns Column names.
	 */
	private static function column_list( array $columns ) {
		return implode( ', ', array_map( array( __CLASS__, 'quote' ), array_filter( $columns, array( __CLASS__, 'is_identifier' ) ) ) );
	}
}
