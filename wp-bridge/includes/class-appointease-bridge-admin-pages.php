<?php
/**
 * The "AppointEase" admin menu and the Preact admin bundle that fills its pages.
 *
 * @package AppointEase_Bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * Registers the menu, renders each page's mount point and loads assets/admin.js there.
 */
class Appointease_Bridge_Admin_Pages {

	const HANDLE = 'appointease-bridge-admin';

	/**
	 * Screen hook suffixes of the plugin's pages, filled by register_menu().
	 *
	 * @var string[]
	 */
	private static $hooks = array();

	/**
	 * Hooks.
	 */
	public static function register_hooks() {
		add_action( 'admin_menu', array( __CLASS__, 'register_menu' ) );
		add_action( 'admin_enqueue_scripts', array( __CLASS__, 'enqueue' ) );
		add_filter( 'load_script_translation_file', array( __CLASS__, 'translation_file' ), 10, 3 );
	}

	/**
	 * German and French are shipped as de_DE and fr_FR; an administrator in de_AT, de_DE_formal,
	 * fr_CA or fr_BE gets those rather than English.
	 *
	 * @param string|false $file   The translation file WordPress looks for.
	 * @param string       $handle Script handle.
	 * @param string       $domain Text domain.
	 * @return string|false
	 */
	public static function translation_file( $file, $handle, $domain ) {
		if ( self::HANDLE !== $handle || 'appointease-bridge' !== $domain || ! is_string( $file ) || is_readable( $file ) ) {
			return $file;
		}
		if ( ! preg_match( '/^appointease-bridge-(de|fr)_[A-Za-z_]+-([0-9a-f]{32}\.json)$/', basename( $file ), $m ) ) {
			return $file;
		}
		$shipped = dirname( $file ) . '/appointease-bridge-' . ( 'de' === $m[1] ? 'de_DE' : 'fr_FR' ) . '-' . $m[2];
		return is_readable( $shipped ) ? $shipped : $file;
	}

	/**
	 * The pages: slug => [menu title, bundle page id]. The menu lists them in this order, and
	 * WordPress links the top-level "AppointEase" item to the first: clicking it opens the
	 * calendar. admin.php?page=appointease (the top-level page's own slug) stays Live locks.
	 *
	 * @return array<string, array{0: string, 1: string}>
	 */
	public static function pages() {
		return array(
			'appointease-bridge-calendar'     => array( __( 'Calendar', 'appointease-bridge' ), 'calendar' ),
			'appointease'                     => array( __( 'Live locks', 'appointease-bridge' ), 'locks' ),
			'appointease-bridge-appointments' => array( __( 'Appointments', 'appointease-bridge' ), 'appointments' ),
			'appointease-bridge-services'     => array( __( 'Services', 'appointease-bridge' ), 'services' ),
			'appointease-bridge-staff'        => array( __( 'Staff', 'appointease-bridge' ), 'staff' ),
			'appointease-bridge-time-off'     => array( __( 'Time off & blackouts', 'appointease-bridge' ), 'time-off' ),
			'appointease-bridge-webhooks'     => array( __( 'Webhooks', 'appointease-bridge' ), 'webhooks' ),
			'appointease-bridge-settings'     => array( __( 'Settings', 'appointease-bridge' ), 'settings' ),
		);
	}

	/**
	 * Adds the menu; the capability makes WordPress itself refuse the pages to other users.
	 */
	public static function register_menu() {
		self::$hooks   = array();
		self::$hooks[] = add_menu_page(
			__( 'AppointEase', 'appointease-bridge' ),
			__( 'AppointEase', 'appointease-bridge' ),
			'manage_options',
			'appointease',
			array( __CLASS__, 'render_page' ),
			'dashicons-calendar-alt',
			58
		);
		// The top-level page's own entry goes in first (else WordPress adds a duplicate of it);
		// each page then takes its place in the list by position.
		$pages    = self::pages();
		$slugs    = array_keys( $pages );
		$in_order = array_merge( array( 'appointease' ), array_diff( $slugs, array( 'appointease' ) ) );
		foreach ( $in_order as $slug ) {
			$page          = $pages[ $slug ];
			self::$hooks[] = add_submenu_page(
				'appointease',
				$page[0] . ' ‹ ' . __( 'AppointEase', 'appointease-bridge' ),
				$page[0],
				'manage_options',
				$slug,
				'appointease-bridge-settings' === $slug ? array( 'Appointease_Bridge_Settings', 'render_page' ) : array( __CLASS__, 'render_page' ),
				array_search( $slug, $slugs, true )
			);
		}
	}

	/**
	 * Whether the current admin screen is one of the plugin's pages.
	 */
	public static function is_plugin_screen() {
		$screen = function_exists( 'get_current_screen' ) ? get_current_screen() : null;
		return $screen && in_array( $screen->id, self::$hooks, true );
	}

	/**
	 * The bundle page id for the current request's ?page=.
	 */
	private static function current_page() {
		$slug  = isset( $_GET['page'] ) ? sanitize_key( wp_unslash( $_GET['page'] ) ) : 'appointease'; // phpcs:ignore WordPress.Security.NonceVerification.Recommended -- read-only routing.
		$pages = self::pages();
		return isset( $pages[ $slug ] ) ? $pages[ $slug ] : $pages['appointease'];
	}

	/**
	 * Renders a page's mount point; the bundle does the rest.
	 */
	public static function render_page() {
		if ( ! current_user_can( 'manage_options' ) ) {
			wp_die( esc_html__( 'Sorry, you are not allowed to manage AppointEase.', 'appointease-bridge' ), 403 );
		}
		list( $title, $page ) = self::current_page();
		?>
		<div class="wrap appointease-admin-wrap">
			<h1><?php echo esc_html( $title ); ?></h1>
			<?php if ( '' === Appointease_Bridge_Config::sidecar_url() || ! Appointease_Bridge_Config::has_secret() ) : ?>
				<p><?php esc_html_e( 'Configure the sidecar URL and the shared secret first.', 'appointease-bridge' ); ?></p>
			<?php else : ?>
				<div id="appointease-admin" data-page="<?php echo esc_attr( $page ); ?>">
					<p class="appointease-loading"><?php esc_html_e( 'Loading…', 'appointease-bridge' ); ?></p>
				</div>
				<noscript><p><?php esc_html_e( 'These pages need JavaScript.', 'appointease-bridge' ); ?></p></noscript>
			<?php endif; ?>
		</div>
		<?php
	}

	/**
	 * Loads the admin bundle on the plugin's screens only.
	 *
	 * @param string $hook_suffix Current screen's hook suffix.
	 */
	public static function enqueue( $hook_suffix ) {
		if ( ! in_array( $hook_suffix, self::$hooks, true ) || ! current_user_can( 'manage_options' ) ) {
			return;
		}
		if ( '' === Appointease_Bridge_Config::sidecar_url() || ! Appointease_Bridge_Config::has_secret() ) {
			return;
		}
		$src = plugins_url( 'assets/admin.js', APPOINTEASE_BRIDGE_FILE );
		wp_enqueue_script( self::HANDLE, $src, array( 'wp-i18n' ), APPOINTEASE_BRIDGE_VERSION, true );
		// The bundle's strings in the administrator's language: languages/appointease-bridge-<locale>-<md5 of assets/admin.js>.json.
		wp_set_script_translations( self::HANDLE, 'appointease-bridge', APPOINTEASE_BRIDGE_DIR . 'languages' );
		wp_enqueue_style( self::HANDLE, plugins_url( 'assets/admin.css', APPOINTEASE_BRIDGE_FILE ), array(), APPOINTEASE_BRIDGE_VERSION );

		// The bundle learns where to get its token and where the sidecar is; no secret is ever handed out.
		$config = array(
			'sidecarUrl' => Appointease_Bridge_Config::sidecar_url(),
			'tokenUrl'   => esc_url_raw( rest_url( Appointease_Bridge_Token_Route::NAMESPACE_V1 . '/token' ) ),
			'nonce'      => wp_create_nonce( 'wp_rest' ),
			'adminUrl'   => esc_url_raw( admin_url( 'admin.php' ) ),
			'locale'     => str_replace( '_', '-', get_user_locale() ),
			'weekStart'  => (int) get_option( 'start_of_week', 1 ),
			'views'      => array(
				'calendar'     => esc_url_raw( admin_url( 'admin.php?page=appointease-bridge-calendar' ) ),
				'locks'        => esc_url_raw( admin_url( 'admin.php?page=appointease' ) ),
				'appointments' => esc_url_raw( admin_url( 'admin.php?page=appointease-bridge-appointments' ) ),
			),
		);
		wp_add_inline_script( self::HANDLE, 'window.appointeaseBridgeAdmin = ' . wp_json_encode( $config ) . ';', 'before' );
	}
}
