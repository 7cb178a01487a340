<?php
/**
 * The Settings page: sidecar URL, shared secret, and the sidecar's health.
 *
 * @package AppointEase_Bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * Settings API registration, the settings form, the health check and admin notices.
 */
class Appointease_Bridge_Settings {

	const GROUP            = 'appointease_bridge';
	const HEALTH_CACHE     = 'appointease_bridge_health';
	const HEALTH_CACHE_TTL = 30;

	/**
	 * Hooks.
	 */
	public static function register_hooks() {
		add_action( 'admin_init', array( __CLASS__, 'register_setting' ) );
		add_action( 'admin_init', array( 'Appointease_Bridge_Schema', 'maybe_upgrade' ) );
		add_action( 'admin_notices', array( __CLASS__, 'render_notices' ) );
	}

	/**
	 * Registers the one option with its sanitize callback.
	 */
	public static function register_setting() {
		register_setting(
			self::GROUP,
			Appointease_Bridge_Config::OPTION,
			array(
				'type'              => 'object',
				'sanitize_callback' => array( __CLASS__, 'sanitize' ),
				'default'           => array(
					'sidecar_url' => '',
					'secret'      => '',
				),
				'show_in_rest'      => false,
			)
		);
	}

	/**
	 * Sanitizes a submitted settings array.
	 *
	 * The secret field is write-only: the form never contains the stored secret, so an
	 * empty submission means "keep the current one", and only the explicit checkbox clears it.
	 *
	 * @param mixed $input Submitted value.
	 * @return array{sidecar_url: string, secret: string}
	 */
	public static function sanitize( $input ) {
		$current = Appointease_Bridge_Config::stored();
		$input   = is_array( $input ) ? $input : array();
		$output  = $current;

		if ( isset( $input['sidecar_url'] ) ) {
			$raw = trim( (string) wp_unslash( $input['sidecar_url'] ) );
			$url = Appointease_Bridge_Config::normalize_url( $raw );
			if ( '' === $raw || '' !== $url ) {
				$output['sidecar_url'] = $url;
			} else {
				add_settings_error( Appointease_Bridge_Config::OPTION, 'appointease_url', __( 'The sidecar URL must be an http:// or https:// address; the previous value was kept.', 'appointease-bridge' ) );
			}
		}

		if ( ! empty( $input['clear_secret'] ) ) {
			$output['secret'] = '';
		} elseif ( isset( $input['secret'] ) && '' !== $input['secret'] ) {
			// Not sanitize_text_field(): it would silently alter secrets containing "<" or "%xx".
			$secret = trim( (string) wp_unslash( $input['secret'] ) );
			if ( strlen( $secret ) < Appointease_Bridge_Config::MIN_SECRET_LENGTH || preg_match( '/[\x00-\x1F\x7F]/', $secret ) ) {
				add_settings_error(
					Appointease_Bridge_Config::OPTION,
					'appointease_secret',
					/* translators: %d: minimum number of characters. */
					sprintf( __( 'The shared secret must be at least %d printable characters; the previous value was kept.', 'appointease-bridge' ), Appointease_Bridge_Config::MIN_SECRET_LENGTH )
				);
			} else {
				$output['secret'] = $secret;
			}
		}
		return $output;
	}

	/**
	 * Fetches the sidecar's /health.
	 *
	 * wp_remote_get, not wp_safe_remote_get: the sidecar usually runs on a loopback port
	 * other than 80/443/8080, which the "safe" variant refuses (CONTRACT §10). The URL is
	 * the administrator's own configuration, not user input.
	 *
	 * @param bool $use_cache Whether a result up to HEALTH_CACHE_TTL seconds old will do.
	 * @return array{ok: bool, status: string, body: array|null, message: string}
	 */
	public static function health( $use_cache = true ) {
		$url = Appointease_Bridge_Config::internal_url();
		if ( '' === $url ) {
			return array(
				'ok'      => false,
				'status'  => 'unconfigured',
				'body'    => null,
				'message' => __( 'No sidecar URL is configured.', 'appointease-bridge' ),
			);
		}
		if ( $use_cache ) {
			$cached = get_transient( self::HEALTH_CACHE );
			if ( is_array( $cached ) && isset( $cached['url'] ) && $cached['url'] === $url ) {
				return $cached['result'];
			}
		}

		$response = wp_remote_get(
			$url . '/appointease/v1/health',
			array(
				'timeout'     => 3,
				'redirection' => 0,
				'headers'     => array( 'Accept' => 'application/json' ),
			)
		);
		if ( is_wp_error( $response ) ) {
			$result = array(
				'ok'      => false,
				'status'  => 'down',
				'body'    => null,
				/* translators: %s: error message from the HTTP client. */
				'message' => sprintf( __( 'The sidecar cannot be reached: %s', 'appointease-bridge' ), $response->get_error_message() ),
			);
		} else {
			$code = (int) wp_remote_retrieve_response_code( $response );
			$body = json_decode( wp_remote_retrieve_body( $response ), true );
			$body = is_array( $body ) ? $body : null;
			if ( 200 === $code && null !== $body && isset( $body['status'] ) ) {
				$result = array(
					'ok'      => true,
					'status'  => 'ok' === $body['status'] ? 'ok' : 'degraded',
					'body'    => $body,
					'message' => '',
				);
			} else {
				$result = array(
					'ok'      => false,
					'status'  => 'down',
					'body'    => $body,
					/* translators: %d: HTTP status code. */
					'message' => sprintf( __( 'The sidecar answered its health check with HTTP %d.', 'appointease-bridge' ), $code ),
				);
			}
		}
		set_transient(
			self::HEALTH_CACHE,
			array(
				'url'    => $url,
				'result' => $result,
			),
			self::HEALTH_CACHE_TTL
		);
		return $result;
	}

	/**
	 * Notices: missing configuration on every admin screen (for those who can fix it);
	 * an unreachable sidecar only on the plugin's own screens, where the health is checked anyway.
	 */
	public static function render_notices() {
		if ( ! current_user_can( 'manage_options' ) ) {
			return;
		}
		$settings_link = admin_url( 'admin.php?page=appointease-bridge-settings' );
		$schema_errors = get_option( Appointease_Bridge_Schema::ERROR_OPTION );
		if ( is_array( $schema_errors ) && $schema_errors ) {
			echo '<div class="notice notice-error appointease-notice"><p><strong>' . esc_html__( 'AppointEase could not fully create or upgrade its database tables:', 'appointease-bridge' ) . '</strong></p><ul>';
			foreach ( array_slice( $schema_errors, 0, 10 ) as $error ) {
				echo '<li><code>' . esc_html( (string) $error ) . '</code></li>';
			}
			echo '</ul></div>';
		}
		$problems = array();
		if ( '' === Appointease_Bridge_Config::sidecar_url() ) {
			$problems[] = __( 'the sidecar URL is not set', 'appointease-bridge' );
		}
		if ( ! Appointease_Bridge_Config::has_secret() ) {
			$problems[] = __( 'the shared secret is not set', 'appointease-bridge' );
		}
		if ( $problems ) {
			printf(
				'<div class="notice notice-error appointease-notice"><p><strong>%1$s</strong> %2$s <a href="%3$s">%4$s</a></p></div>',
				esc_html__( 'AppointEase:', 'appointease-bridge' ),
				/* translators: %s: list of problems. */
				esc_html( sprintf( __( 'bookings cannot work because %s.', 'appointease-bridge' ), implode( __( ' and ', 'appointease-bridge' ), $problems ) ) ),
				esc_url( $settings_link ),
				esc_html__( 'Open the settings', 'appointease-bridge' )
			);
			return;
		}
		if ( ! Appointease_Bridge_Admin_Pages::is_plugin_screen() ) {
			return;
		}
		$health = self::health( ! self::is_settings_screen() );
		if ( ! $health['ok'] ) {
			printf(
				'<div class="notice notice-error appointease-notice appointease-health-down"><p><strong>%1$s</strong> %2$s</p></div>',
				esc_html__( 'AppointEase sidecar is down.', 'appointease-bridge' ),
				esc_html( $health['message'] )
			);
		} elseif ( 'degraded' === $health['status'] ) {
			printf(
				'<div class="notice notice-warning appointease-notice"><p>%s</p></div>',
				esc_html__( 'AppointEase sidecar is running without Redis (MySQL fallback). Bookings work; live updates may be slower.', 'appointease-bridge' )
			);
		}
	}

	/**
	 * Whether the current screen is the settings page.
	 */
	private static function is_settings_screen() {
		$screen = function_exists( 'get_current_screen' ) ? get_current_screen() : null;
		return $screen && false !== strpos( (string) $screen->id, 'appointease-bridge-settings' );
	}

	/**
	 * The settings page.
	 */
	public static function render_page() {
		if ( ! current_user_can( 'manage_options' ) ) {
			wp_die( esc_html__( 'Sorry, you are not allowed to manage AppointEase.', 'appointease-bridge' ), 403 );
		}
		$stored = Appointease_Bridge_Config::stored();
		$health = self::health( false );
		?>
		<div class="wrap appointease-settings">
			<h1><?php esc_html_e( 'AppointEase settings', 'appointease-bridge' ); ?></h1>
			<?php settings_errors( Appointease_Bridge_Config::OPTION ); ?>
			<form method="post" action="options.php">
				<?php settings_fields( self::GROUP ); ?>
				<table class="form-table" role="presentation">
					<tr>
						<th scope="row"><label for="appointease-sidecar-url"><?php esc_html_e( 'Sidecar URL', 'appointease-bridge' ); ?></label></th>
						<td>
							<?php if ( Appointease_Bridge_Config::url_is_constant() ) : ?>
								<code id="appointease-sidecar-url"><?php echo esc_html( Appointease_Bridge_Config::sidecar_url() ); ?></code>
								<p class="description"><?php esc_html_e( 'Set by APPOINTEASE_SIDECAR_URL in wp-config.php.', 'appointease-bridge' ); ?></p>
							<?php else : ?>
								<input type="url" class="regular-text code" id="appointease-sidecar-url" name="<?php echo esc_attr( Appointease_Bridge_Config::OPTION ); ?>[sidecar_url]" value="<?php echo esc_attr( $stored['sidecar_url'] ); ?>" placeholder="https://book.example.com" />
								<p class="description"><?php esc_html_e( 'The public base URL of the AppointEase sidecar, as browsers reach it.', 'appointease-bridge' ); ?></p>
							<?php endif; ?>
						</td>
					</tr>
					<tr>
						<th scope="row"><label for="appointease-secret"><?php esc_html_e( 'Shared secret', 'appointease-bridge' ); ?></label></th>
						<td>
							<?php if ( Appointease_Bridge_Config::secret_is_constant() ) : ?>
								<strong id="appointease-secret-state"><?php echo Appointease_Bridge_Config::has_secret() ? esc_html__( 'set', 'appointease-bridge' ) : esc_html__( 'set, but shorter than 32 characters', 'appointease-bridge' ); ?></strong>
								<p class="description"><?php esc_html_e( 'Set by APPOINTEASE_SECRET in wp-config.php.', 'appointease-bridge' ); ?></p>
							<?php else : ?>
								<strong id="appointease-secret-state"><?php echo '' !== $stored['secret'] ? esc_html__( 'set', 'appointease-bridge' ) : esc_html__( 'not set', 'appointease-bridge' ); ?></strong><br />
								<input type="password" class="regular-text code" id="appointease-secret" name="<?php echo esc_attr( Appointease_Bridge_Config::OPTION ); ?>[secret]" value="" autocomplete="new-password" />
								<p class="description"><?php esc_html_e( 'The same value as the sidecar\'s APPOINTEASE_SECRET (at least 32 characters). Leave empty to keep the current secret. Defining APPOINTEASE_SECRET in wp-config.php is preferred: it keeps the secret out of the database.', 'appointease-bridge' ); ?></p>
								<?php if ( '' !== $stored['secret'] ) : ?>
									<label><input type="checkbox" name="<?php echo esc_attr( Appointease_Bridge_Config::OPTION ); ?>[clear_secret]" value="1" /> <?php esc_html_e( 'Remove the stored secret', 'appointease-bridge' ); ?></label>
								<?php endif; ?>
							<?php endif; ?>
						</td>
					</tr>
					<tr>
						<th scope="row"><?php esc_html_e( 'Sidecar health', 'appointease-bridge' ); ?></th>
						<td id="appointease-health">
							<?php self::render_health_line( $health ); ?>
						</td>
					</tr>
				</table>
				<?php
				if ( ! ( Appointease_Bridge_Config::url_is_constant() && Appointease_Bridge_Config::secret_is_constant() ) ) {
					submit_button();
				}
				?>
			</form>
			<div id="appointease-admin" data-page="settings"></div>
		</div>
		<?php
	}

	/**
	 * One line describing the health result.
	 *
	 * @param array $health Result of health().
	 */
	private static function render_health_line( array $health ) {
		if ( ! $health['ok'] ) {
			echo '<span class="appointease-health appointease-health--down">' . esc_html( $health['message'] ) . '</span>';
			return;
		}
		$body = $health['body'];
		printf(
			'<span class="appointease-health appointease-health--%1$s">%2$s</span>',
			esc_attr( $health['status'] ),
			esc_html(
				sprintf(
					/* translators: 1: ok/degraded, 2: version, 3: MySQL state, 4: Redis state, 5: WebSocket client count. */
					__( 'Status %1$s — version %2$s, MySQL %3$s, Redis %4$s, %5$d WebSocket clients', 'appointease-bridge' ),
					$health['status'],
					isset( $body['version'] ) ? (string) $body['version'] : '?',
					isset( $body['mysql'] ) ? (string) $body['mysql'] : '?',
					isset( $body['redis'] ) ? (string) $body['redis'] : '?',
					isset( $body['websocket']['clients'] ) ? (int) $body['websocket']['clients'] : 0
				)
			)
		);
	}
}
