<?php
/**
 * The [appointease] shortcode.
 *
 * @package AppointEase_Bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * Renders the booking widget's custom element and loads widget.js only where it is used.
 */
class Appointease_Bridge_Shortcode {

	const HANDLE = 'appointease-bridge-widget';

	/**
	 * Hooks.
	 */
	public static function register_hooks() {
		add_shortcode( 'appointease', array( __CLASS__, 'render' ) );
		add_action( 'wp_enqueue_scripts', array( __CLASS__, 'register_script' ) );
		add_filter( 'script_loader_tag', array( __CLASS__, 'add_defer' ), 10, 2 );
	}

	/**
	 * Registers widget.js on every front-end page; enqueued by render() only.
	 */
	public static function register_script() {
		$url = Appointease_Bridge_Config::sidecar_url();
		if ( '' === $url ) {
			return;
		}
		wp_register_script( self::HANDLE, $url . '/appointease/v1/widget.js', array(), self::script_version(), true );
	}

	/**
	 * The ?ver= query for widget.js: the sidecar's version when a recent health check
	 * knows it (so a sidecar upgrade busts browser caches), else the bridge's.
	 */
	private static function script_version() {
		$cached = get_transient( Appointease_Bridge_Settings::HEALTH_CACHE );
		if ( is_array( $cached ) && ! empty( $cached['result']['body']['version'] ) && is_string( $cached['result']['body']['version'] ) ) {
			return $cached['result']['body']['version'];
		}
		return APPOINTEASE_BRIDGE_VERSION;
	}

	/**
	 * WordPress 6.1 has no loading strategies yet, so defer is added to the tag itself.
	 *
	 * @param string $tag    Script tag.
	 * @param string $handle Script handle.
	 */
	public static function add_defer( $tag, $handle ) {
		if ( self::HANDLE !== $handle || false !== strpos( $tag, ' defer' ) ) {
			return $tag;
		}
		return str_replace( '<script ', '<script defer ', $tag );
	}

	/**
	 * Shortcode callback.
	 *
	 * @param array|string $atts Shortcode attributes.
	 * @return string HTML.
	 */
	public static function render( $atts ) {
		$atts = shortcode_atts(
			array(
				'service'  => '',
				'employee' => '',
			),
			is_array( $atts ) ? $atts : array(),
			'appointease'
		);

		$url = Appointease_Bridge_Config::sidecar_url();
		if ( '' === $url ) {
			// Visitors see nothing rather than a broken widget; the site owner learns why.
			if ( current_user_can( 'manage_options' ) ) {
				return '<p class="appointease-unconfigured">' . esc_html__( 'AppointEase: set the sidecar URL in the AppointEase settings to show the booking widget here.', 'appointease-bridge' ) . '</p>';
			}
			return '';
		}

		if ( ! wp_script_is( self::HANDLE, 'registered' ) ) {
			self::register_script();
		}
		wp_enqueue_script( self::HANDLE );

		$attributes = array( 'api' => $url );
		// Ids are positive integers; anything else is dropped so the widget lets the visitor choose.
		foreach ( array( 'service', 'employee' ) as $name ) {
			$value = trim( (string) $atts[ $name ] );
			if ( '' !== $value && ctype_digit( $value ) && (int) $value > 0 ) {
				$attributes[ $name ] = (string) (int) $value;
			}
		}
		$attributes['locale'] = self::locale();

		$html = '<appointease-booking';
		foreach ( $attributes as $name => $value ) {
			$html .= ' ' . $name . '="' . esc_attr( $value ) . '"';
		}
		return $html . '></appointease-booking>';
	}

	/**
	 * WordPress's locale as a BCP 47 tag ("de_DE" → "de-DE"), which browsers' Intl accepts.
	 */
	public static function locale() {
		return str_replace( '_', '-', get_locale() );
	}
}
