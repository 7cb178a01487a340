<?php
/**
 * Where the bridge's two settings come from: wp-config.php constants first, then the option.
 *
 * @package AppointEase_Bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * Resolves the sidecar URL and the shared secret.
 *
 * Constants win so that a site can keep the secret out of the database (and out of
 * database dumps); the option exists for sites where editing wp-config.php is not possible.
 */
class Appointease_Bridge_Config {

	const OPTION = 'appointease_bridge_settings';

	/**
	 * The sidecar's minimum secret length (CONTRACT §1); a shorter secret would be refused there.
	 */
	const MIN_SECRET_LENGTH = 32;

	/**
	 * The stored option, always with both keys present.
	 *
	 * @return array{sidecar_url: string, secret: string}
	 */
	public static function stored() {
		$value = get_option( self::OPTION, array() );
		if ( ! is_array( $value ) ) {
			$value = array();
		}
		return array(
			'sidecar_url' => isset( $value['sidecar_url'] ) && is_string( $value['sidecar_url'] ) ? $value['sidecar_url'] : '',
			'secret'      => isset( $value['secret'] ) && is_string( $value['secret'] ) ? $value['secret'] : '',
		);
	}

	/**
	 * Whether the URL is fixed by wp-config.php.
	 */
	public static function url_is_constant() {
		return defined( 'APPOINTEASE_SIDECAR_URL' ) && is_string( APPOINTEASE_SIDECAR_URL ) && '' !== APPOINTEASE_SIDECAR_URL;
	}

	/**
	 * Whether the secret is fixed by wp-config.php.
	 */
	public static function secret_is_constant() {
		return defined( 'APPOINTEASE_SECRET' ) && is_string( APPOINTEASE_SECRET ) && '' !== APPOINTEASE_SECRET;
	}

	/**
	 * The sidecar's public base URL without a trailing slash, or '' when unset.
	 */
	public static function sidecar_url() {
		$url = self::url_is_constant() ? APPOINTEASE_SIDECAR_URL : self::stored()['sidecar_url'];
		return self::normalize_url( $url );
	}

	/**
	 * The URL WordPress itself uses to reach the sidecar (the health check).
	 *
	 * Usually the public URL. In containers or behind split DNS the server cannot always
	 * reach the address browsers use (http://localhost:8787 inside the WordPress container
	 * is the container itself), so APPOINTEASE_SIDECAR_INTERNAL_URL may override it.
	 */
	public static function internal_url() {
		if ( defined( 'APPOINTEASE_SIDECAR_INTERNAL_URL' ) && is_string( APPOINTEASE_SIDECAR_INTERNAL_URL ) ) {
			$internal = self::normalize_url( APPOINTEASE_SIDECAR_INTERNAL_URL );
			if ( '' !== $internal ) {
				return $internal;
			}
		}
		return self::sidecar_url();
	}

	/**
	 * The shared HS256 secret, or '' when unset. Never print this.
	 */
	public static function secret() {
		return self::secret_is_constant() ? APPOINTEASE_SECRET : self::stored()['secret'];
	}

	/**
	 * Whether a secret usable by the sidecar is configured.
	 */
	public static function has_secret() {
		return strlen( self::secret() ) >= self::MIN_SECRET_LENGTH;
	}

	/**
	 * An http(s) URL without query, fragment or trailing slash, or '' if the input is not one.
	 *
	 * @param mixed $url Raw URL.
	 */
	public static function normalize_url( $url ) {
		if ( ! is_string( $url ) ) {
			return '';
		}
		$url = trim( $url );
		if ( '' === $url ) {
			return '';
		}
		$parts = wp_parse_url( $url );
		if ( ! is_array( $parts ) || empty( $parts['scheme'] ) || empty( $parts['host'] ) ) {
			return '';
		}
		$scheme = strtolower( $parts['scheme'] );
		if ( 'http' !== $scheme && 'https' !== $scheme ) {
			return '';
		}
		// Rebuilt from parts so that a stray query or fragment cannot leak into widget.js or API URLs.
		$clean = $scheme . '://' . $parts['host'];
		if ( ! empty( $parts['port'] ) ) {
			$clean .= ':' . (int) $parts['port'];
		}
		if ( ! empty( $parts['path'] ) ) {
			$clean .= rtrim( $parts['path'], '/' );
		}
		return esc_url_raw( $clean, array( 'http', 'https' ) );
	}
}
