<?php
/**
 * Running beside the original AppointEase plugin during the switch (docs/migrating.md).
 *
 * @package AppointEase_Bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * While the original plugin is active too, the bridge takes over what both would otherwise
 * do at once, and tells the administrator how to finish the switch:
 * - an admin notice with the switch steps and a link that deactivates the original plugin;
 * - the original's REST routes that would double-book (writes that bypass the sidecar's
 *   overlap guard) or leak (customers' names and emails on public routes) answer 410 with
 *   a pointer to the sidecar; the rest stay open; its public AJAX and Heartbeat booking
 *   handlers are closed the same way;
 * - admin.php?page=appointease (CONTRACT §10) is ours: the original's menu, which uses the
 *   same slug, is removed (its pages write without the guard), and its admin assets are
 *   not loaded on ours;
 * - its booking block renders our widget, like [appointease], and its front-end scripts
 *   (its widget's, polling WordPress's Heartbeat) are not loaded;
 * - its cron job no longer deletes rows of the lock table the sidecar now owns.
 * Nothing here writes its options or tables: deactivating the bridge gives everything back.
 * Once the original is deactivated, pages that still hold its booking block keep working:
 * the bridge renders that block (and only while nothing else registers it). And whenever
 * the original's activation runs while the bridge is active, its dbDelta() cannot shorten
 * the columns the shared schema widened (its email columns are varchar(100), ours 190).
 */
class Appointease_Bridge_Takeover {

	/**
	 * The original plugin's REST routes closed while the bridge is active, with why. Keys are
	 * the routes as WordPress registers them (namespace included).
	 */
	const CLOSED_ROUTES = array(
		'/appointease/v1/appointments'                   => 'books without the overlap guard',
		'/appointease/v1/appointments/(?P<id>[a-zA-Z0-9\-]+)' => 'shows any appointment by id; cancels and moves without the guard',
		'/appointease/v1/admin/appointments/(?P<id>\d+)' => 'moves appointments without the guard',
		'/appointease/v1/user-appointments'              => "lists anyone's appointments by email or name",
		'/appointease/v1/reschedule-availability'        => "answers with customers' names and emails",
		'/appointease/v1/slots/select'                   => 'holds times the sidecar does not see',
		'/appointease/v1/slots/deselect'                 => 'releases holds the sidecar does not see',
		'/appointease/v1/slots/poll'                     => 'shows other visitors\' holds',
		'/appointease/v1/clear-locks'                    => 'deletes every hold, the sidecar\'s included, for anyone',
		'/appointease/v1/debug/appointments'             => 'lists appointments with customers\' data, for anyone',
		'/appointease/v1/debug/selections'               => 'shows holds and their owners, for anyone',
		'/appointease/v1/debug/locks'                    => 'shows holds and their owners, for anyone',
		'/appointease/v1/debug/availability-raw'         => "answers with customers' names and emails",
		'/appointease/v1/generate-otp'                   => 'mails login codes for a booking flow that is closed',
		'/appointease/v1/verify-otp'                     => 'logs in to a booking flow that is closed',
		'/appointease/v1/session'                        => 'sessions of a booking flow that is closed',
		'/booking/v1/availability'                       => "answers with customers' names and emails",
		'/booking/v1/staff'                              => "shows staff members' email addresses and phone numbers",
		'/booking/v1/check-customer/(?P<email>[^/]+)'    => 'tells whether an address has booked',
	);

	/**
	 * The original's routes deliberately left open: they show nothing personal and write nothing.
	 */
	const OPEN_ROUTES = array(
		'/booking/v1/services',
		'/appointease/v1/server-date',
		'/appointease/v1/business-hours',
		'/appointease/v1/settings',
		'/appointease/v1/time-slots',
		'/appointease/v1/redis/stats',
		'/appointease/v1/log',
		'/appointease/v1/admin/appointments',
	);

	/**
	 * Its public AJAX actions that book without the guard.
	 */
	const CLOSED_AJAX = array( 'wp_ajax_book_appointment', 'wp_ajax_nopriv_book_appointment' );

	/**
	 * The original's menu slug, which the contract gives our Live locks page.
	 */
	const MENU_SLUG = 'appointease';

	/**
	 * The original's booking block, which sites have placed in their pages.
	 */
	const ORIGINAL_BLOCK = 'appointease/booking-form';

	/**
	 * Hooks; they do nothing unless the original plugin is active.
	 */
	public static function register_hooks() {
		add_action( 'init', array( __CLASS__, 'register_block_fallback' ), 20 );
		// Not only while the original is active: its activation is what loads it.
		add_filter( 'dbdelta_create_queries', array( __CLASS__, 'keep_widened_columns' ) );
		if ( ! self::original_active() ) {
			return;
		}
		add_filter( 'rest_endpoints', array( __CLASS__, 'close_routes' ), 999 );
		foreach ( self::CLOSED_AJAX as $action ) {
			add_action( $action, array( __CLASS__, 'ajax_gone' ), 0 );
		}
		add_action( 'admin_menu', array( __CLASS__, 'take_menu' ), 9999 );
		add_action( 'admin_notices', array( __CLASS__, 'render_notice' ) );
		add_filter( 'render_block', array( __CLASS__, 'render_block' ), 10, 2 );
		add_action( 'init', array( __CLASS__, 'unhook_original' ), 99 );
	}

	/**
	 * Whether the original AppointEase plugin is loaded (its main file defines this constant).
	 */
	public static function original_active() {
		return defined( 'BOOKING_PLUGIN_VERSION' ) && defined( 'BOOKING_PLUGIN_PATH' );
	}

	/**
	 * The original plugin's basename ("appointease/booking-plugin.php" when installed as documented).
	 */
	public static function original_basename() {
		return self::original_active() ? plugin_basename( BOOKING_PLUGIN_PATH . 'booking-plugin.php' ) : '';
	}

	/**
	 * Replaces the handlers of the closed routes; the routes stay listed, so a caller gets a
	 * clear 410 rather than a puzzling 404.
	 *
	 * @param array $endpoints Routes => handlers.
	 * @return array
	 */
	public static function close_routes( $endpoints ) {
		foreach ( array_keys( self::CLOSED_ROUTES ) as $route ) {
			if ( ! isset( $endpoints[ $route ] ) ) {
				continue;
			}
			$handlers = isset( $endpoints[ $route ]['callback'] ) ? array( $endpoints[ $route ] ) : (array) $endpoints[ $route ];
			$options  = array();
			$methods  = array();
			foreach ( $handlers as $key => $handler ) {
				if ( ! is_numeric( $key ) ) {
					$options[ $key ] = $handler; // Route options such as its namespace, kept for the index.
					continue;
				}
				$verbs = isset( $handler['methods'] ) ? $handler['methods'] : 'GET';
				if ( is_string( $verbs ) ) {
					$verbs = explode( ',', $verbs );
				} elseif ( is_array( $verbs ) && ! wp_is_numeric_array( $verbs ) ) {
					$verbs = array_keys( $verbs );
				}
				$methods = array_merge( $methods, array_map( 'trim', (array) $verbs ) );
			}
			$options[]           = array(
				'methods'             => $methods ? implode( ',', array_unique( $methods ) ) : 'GET',
				'callback'            => array( __CLASS__, 'gone' ),
				'permission_callback' => '__return_true',
				'args'                => array(),
			);
			$endpoints[ $route ] = $options;
		}
		return $endpoints;
	}

	/**
	 * The answer of a closed route: 410 with where bookings go now.
	 *
	 * @param WP_REST_Request $request The request.
	 * @return WP_Error
	 */
	public static function gone( $request ) {
		$route = $request instanceof WP_REST_Request ? $request->get_route() : '';
		return new WP_Error( 'appointease_moved', self::moved_message(), self::moved_data( $route ) );
	}

	/**
	 * The closed AJAX booking actions.
	 */
	public static function ajax_gone() {
		wp_send_json(
			array(
				'success' => false,
				'data'    => array_merge( array( 'message' => self::moved_message() ), self::moved_data( '' ) ),
			),
			410
		);
	}

	/**
	 * Human text of a 410.
	 */
	private static function moved_message() {
		return __( 'Bookings on this site now go through AppointEase (the [appointease] booking widget and its sidecar); this route of the previous AppointEase plugin is closed.', 'appointease-bridge' );
	}

	/**
	 * Machine-readable pointer of a 410.
	 *
	 * @param string $route The closed route, when known.
	 */
	private static function moved_data( $route ) {
		$url  = Appointease_Bridge_Config::sidecar_url();
		$data = array(
			'status' => 410,
			'api'    => '' === $url ? null : $url . '/appointease/v1',
		);
		if ( '' !== $route ) {
			$data['route'] = $route;
		}
		return $data;
	}

	/**
	 * Takes admin.php?page=appointease: removes the original's top-level menu and its
	 * sub-pages (they share the parent slug), and its page callback, then adds ours again.
	 * Runs after every other admin_menu callback.
	 */
	public static function take_menu() {
		global $menu, $submenu;
		remove_all_actions( 'toplevel_page_' . self::MENU_SLUG );
		foreach ( (array) $menu as $position => $item ) {
			if ( isset( $item[2] ) && self::MENU_SLUG === $item[2] ) {
				unset( $menu[ $position ] ); // phpcs:ignore WordPress.WP.GlobalVariablesOverride.Prohibited -- the menu global is how WordPress lets plugins edit menus.
			}
		}
		unset( $submenu[ self::MENU_SLUG ] ); // phpcs:ignore WordPress.WP.GlobalVariablesOverride.Prohibited -- as above.
		Appointease_Bridge_Admin_Pages::register_menu();
	}

	/**
	 * The switch steps, on every admin screen, for those who can act on them.
	 */
	public static function render_notice() {
		if ( ! current_user_can( 'activate_plugins' ) ) {
			return;
		}
		$basename   = self::original_basename();
		$deactivate = wp_nonce_url( admin_url( 'plugins.php?action=deactivate&plugin=' . rawurlencode( $basename ) ), 'deactivate-plugin_' . $basename );
		$carried    = self::carried_over_at();
		$configured = '' !== Appointease_Bridge_Config::sidecar_url() && Appointease_Bridge_Config::has_secret();
		?>
		<div class="notice notice-warning appointease-takeover-notice">
			<p><strong><?php esc_html_e( 'AppointEase Bridge is active beside the original AppointEase plugin.', 'appointease-bridge' ); ?></strong>
			<?php esc_html_e( 'Until the original is deactivated, the bridge has taken over: bookings go through the AppointEase sidecar, the original\'s booking and customer-data routes answer 410, its admin pages are hidden (they would write bookings without the overlap guard), and its booking block shows the new widget. Its tables, rows and settings are kept as they are.', 'appointease-bridge' ); ?></p>
			<ol>
				<li><?php esc_html_e( 'Back up the database.', 'appointease-bridge' ); ?></li>
				<li>
					<?php
					if ( $carried ) {
						/* translators: %s: date and time of the carry-over. */
						echo esc_html( sprintf( __( 'Run npm run migrate on the sidecar: done, the plugin\'s settings were carried over on %s.', 'appointease-bridge' ), $carried ) );
					} else {
						esc_html_e( 'Run npm run migrate on the sidecar: it upgrades the tables and carries the plugin\'s settings over (not done yet).', 'appointease-bridge' );
					}
					?>
				</li>
				<li>
					<?php
					if ( $configured ) {
						esc_html_e( 'Start the sidecar; its URL and the shared secret are set.', 'appointease-bridge' );
					} else {
						esc_html_e( 'Start the sidecar and set its URL and the shared secret under AppointEase → Settings.', 'appointease-bridge' );
					}
					?>
				</li>
				<li><?php esc_html_e( 'Check a page with the [appointease] shortcode: free times show, and a test booking works.', 'appointease-bridge' ); ?></li>
				<li><?php esc_html_e( 'Deactivate the original plugin. To go back instead, deactivate AppointEase Bridge: the original works on the same tables.', 'appointease-bridge' ); ?></li>
			</ol>
			<?php if ( '' !== $basename && current_user_can( 'deactivate_plugin', $basename ) ) : ?>
				<p><a class="button button-primary appointease-deactivate-original" href="<?php echo esc_url( $deactivate ); ?>"><?php esc_html_e( 'Deactivate the original AppointEase plugin', 'appointease-bridge' ); ?></a></p>
			<?php endif; ?>
		</div>
		<?php
	}

	/**
	 * When `npm run migrate` carried the plugin's settings over (its record in our settings
	 * table), formatted for the site; '' when it has not run yet.
	 */
	private static function carried_over_at() {
		global $wpdb;
		$table = $wpdb->prefix . 'appointease_settings';
		if ( ! Appointease_Bridge_Schema::table_exists( $table ) ) {
			return '';
		}
		$raw    = $wpdb->get_var( $wpdb->prepare( "SELECT setting_value FROM `{$table}` WHERE setting_key = %s", 'pluginCarryOver' ) ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- the table name is the prefix plus a constant.
		$record = is_string( $raw ) ? json_decode( $raw, true ) : null;
		if ( ! is_array( $record ) || empty( $record['at'] ) || ! is_string( $record['at'] ) ) {
			return '';
		}
		$time = strtotime( $record['at'] );
		return false === $time ? $record['at'] : wp_date( get_option( 'date_format' ) . ' ' . get_option( 'time_format' ), $time );
	}

	/**
	 * The original's booking block shows our widget, as [appointease] does.
	 *
	 * @param string $content Rendered block.
	 * @param array  $block   Parsed block.
	 * @return string
	 */
	public static function render_block( $content, $block ) {
		if ( isset( $block['blockName'] ) && self::ORIGINAL_BLOCK === $block['blockName'] ) {
			return Appointease_Bridge_Shortcode::render( array() );
		}
		return $content;
	}

	/**
	 * After the switch, the original's booking block (still in the pages it was placed on)
	 * renders our widget instead of nothing. Registered only when nobody else has the name, so
	 * with the original active its own registration stands and render_block() above applies.
	 */
	public static function register_block_fallback() {
		if ( WP_Block_Type_Registry::get_instance()->is_registered( self::ORIGINAL_BLOCK ) ) {
			return;
		}
		register_block_type(
			self::ORIGINAL_BLOCK,
			array(
				'render_callback' => function () {
					return Appointease_Bridge_Shortcode::render( array() );
				},
			)
		);
	}

	/**
	 * Raises a varchar length in CREATE TABLE statements that dbDelta() is about to compare
	 * with our tables to the length of our definition, when ours is longer. dbDelta() would
	 * otherwise "CHANGE COLUMN" them back (the original's activation asks for email
	 * varchar(100)), and WordPress's relaxed SQL mode would cut longer addresses silently.
	 * Lengths only ever go up here; everything else in the statements is left as it is.
	 *
	 * @param array $queries Table name => CREATE TABLE statement.
	 * @return array
	 */
	public static function keep_widened_columns( $queries ) {
		global $wpdb;
		$definition = Appointease_Bridge_Schema::load_definition();
		if ( ! is_array( $queries ) || is_wp_error( $definition ) ) {
			return $queries;
		}
		foreach ( $definition['tables'] as $table ) {
			$name = $wpdb->prefix . $table['name'];
			if ( ! isset( $queries[ $name ] ) || ! is_string( $queries[ $name ] ) ) {
				continue;
			}
			foreach ( $table['columns'] as $column ) {
				if ( ! preg_match( '/^varchar\((\d+)\)/i', $column[1], $want ) ) {
					continue;
				}
				$length           = (int) $want[1];
				$queries[ $name ] = preg_replace_callback(
					'/(^|[\s,(])(`?' . preg_quote( $column[0], '/' ) . '`?\s+varchar\()(\d+)(\))/im',
					function ( $m ) use ( $length ) {
						return (int) $m[3] < $length ? $m[1] . $m[2] . $length . $m[4] : $m[0];
					},
					$queries[ $name ]
				);
			}
		}
		return $queries;
	}

	/**
	 * Unhooks what the original does on every request that the bridge now owns: its
	 * front-end and admin assets, its Heartbeat booking handler, its lock-table cleanup.
	 */
	public static function unhook_original() {
		self::remove_method_callbacks( 'wp_enqueue_scripts', 'Booking_Plugin', 'enqueue_scripts' );
		self::remove_method_callbacks( 'wp_enqueue_scripts', 'Appointease_Heartbeat_Handler', 'enqueue_heartbeat_scripts' );
		self::remove_method_callbacks( 'admin_enqueue_scripts', 'AppointEase_Admin', 'enqueue_admin_assets' );
		self::remove_method_callbacks( 'heartbeat_received', 'Appointease_Heartbeat_Handler', 'handle_heartbeat' );
		self::remove_method_callbacks( 'heartbeat_nopriv_received', 'Appointease_Heartbeat_Handler', 'handle_heartbeat' );
		remove_all_actions( 'appointease_clean_locks' );
	}

	/**
	 * Removes the callbacks of one hook that are `method` of an instance of `class` (the
	 * original registers them on objects it keeps no reference to).
	 *
	 * @param string $hook       Hook name.
	 * @param string $class_name Class name (case-insensitive, as PHP's).
	 * @param string $method     Method name.
	 */
	private static function remove_method_callbacks( $hook, $class_name, $method ) {
		global $wp_filter;
		if ( ! isset( $wp_filter[ $hook ] ) ) {
			return;
		}
		foreach ( $wp_filter[ $hook ]->callbacks as $priority => $callbacks ) {
			foreach ( $callbacks as $callback ) {
				$function = $callback['function'];
				if ( is_array( $function ) && is_object( $function[0] ) && is_a( $function[0], $class_name ) && $method === $function[1] ) {
					remove_action( $hook, $function, $priority );
				}
			}
		}
	}
}
