<?php
/**
 * REST route POST /wp-json/appointease-bridge/v1/token: the admin JWT for the sidecar.
 *
 * @package AppointEase_Bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * Mints short-lived admin tokens (CONTRACT §7) for logged-in administrators.
 *
 * The admin bundle runs in the administrator's browser and talks to the sidecar directly;
 * it never sees the shared secret, only tokens that expire within minutes.
 */
class Appointease_Bridge_Token_Route {

	const NAMESPACE_V1 = 'appointease-bridge/v1';
	const AUDIENCE     = 'appointease-admin';

	/**
	 * Token lifetime in seconds. The contract allows up to 10 minutes; 5 keeps a leaked
	 * token's value small while the bundle refreshes well before expiry.
	 */
	const LIFETIME = 300;

	/**
	 * Hooks.
	 */
	public static function register_hooks() {
		add_action( 'rest_api_init', array( __CLASS__, 'register_route' ) );
	}

	/**
	 * Registers the route.
	 */
	public static function register_route() {
		register_rest_route(
			self::NAMESPACE_V1,
			'/token',
			array(
				'methods'             => 'POST',
				'callback'            => array( __CLASS__, 'handle' ),
				'permission_callback' => array( __CLASS__, 'permission' ),
			)
		);
	}

	/**
	 * Only administrators. Cookie-authenticated REST requests without a valid wp_rest nonce
	 * are already downgraded to "logged out" by WordPress core, so a forged or missing
	 * nonce ends up here as a user without the capability.
	 */
	public static function permission() {
		if ( current_user_can( 'manage_options' ) ) {
			return true;
		}
		return new WP_Error(
			'appointease_forbidden',
			__( 'Only administrators get AppointEase admin tokens.', 'appointease-bridge' ),
			array( 'status' => is_user_logged_in() ? 403 : 401 )
		);
	}

	/**
	 * Mints the token.
	 *
	 * @return WP_REST_Response|WP_Error
	 */
	public static function handle() {
		if ( ! Appointease_Bridge_Config::has_secret() ) {
			return new WP_Error( 'appointease_no_secret', __( 'The AppointEase shared secret is not configured.', 'appointease-bridge' ), array( 'status' => 503 ) );
		}
		$now      = time();
		$claims   = array(
			'aud' => self::AUDIENCE,
			'sub' => (string) get_current_user_id(),
			'iat' => $now,
			'exp' => $now + self::LIFETIME,
		);
		$response = new WP_REST_Response(
			array(
				'token'     => Appointease_Bridge_Jwt::encode( $claims, Appointease_Bridge_Config::secret() ),
				'expiresAt' => gmdate( 'Y-m-d\TH:i:s\Z', $claims['exp'] ),
			)
		);
		// A bearer credential must not be kept by browsers or proxies. WordPress sends its own
		// no-cache headers for logged-in users after ours, so the strengthening goes through that filter.
		$response->header( 'Cache-Control', 'no-store' );
		add_filter( 'nocache_headers', array( __CLASS__, 'no_store' ) );
		return $response;
	}

	/**
	 * Adds no-store to WordPress's no-cache headers.
	 *
	 * @param array $headers Header name => value.
	 */
	public static function no_store( $headers ) {
		$headers['Cache-Control'] = 'no-store, no-cache, must-revalidate, max-age=0';
		return $headers;
	}
}
