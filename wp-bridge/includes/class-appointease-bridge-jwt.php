<?php
/**
 * Minimal HS256 JSON Web Tokens, enough for the two tokens the bridge deals in.
 *
 * @package AppointEase_Bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * Signs admin tokens for the sidecar and verifies the sidecar's mail-relay tokens.
 *
 * Only HS256 exists here on purpose: the algorithm is pinned rather than read from the
 * token, so "alg":"none" or an RS/HS confusion cannot be smuggled in.
 */
class Appointease_Bridge_Jwt {

	/**
	 * Clock skew tolerated between WordPress and the sidecar, in seconds.
	 */
	const LEEWAY = 30;

	/**
	 * Signs claims with HS256.
	 *
	 * @param array  $claims Claims; must be JSON-encodable.
	 * @param string $secret Shared secret.
	 * @return string Compact JWT.
	 */
	public static function encode( array $claims, $secret ) {
		$header  = self::base64url_encode(
			wp_json_encode(
				array(
					'alg' => 'HS256',
					'typ' => 'JWT',
				)
			)
		);
		$payload = self::base64url_encode( wp_json_encode( $claims ) );
		$signed  = $header . '.' . $payload;
		return $signed . '.' . self::base64url_encode( hash_hmac( 'sha256', $signed, $secret, true ) );
	}

	/**
	 * Verifies an HS256 token and returns its claims.
	 *
	 * @param string $token        Compact JWT.
	 * @param string $secret       Shared secret.
	 * @param string $audience     Required `aud` (a string, or an array containing it).
	 * @param int    $max_lifetime Largest allowed distance of `exp` from now, in seconds.
	 * @return array|WP_Error Claims, or an error whose code says what was wrong.
	 */
	public static function decode( $token, $secret, $audience, $max_lifetime ) {
		if ( ! is_string( $token ) || '' === $secret ) {
			return new WP_Error( 'appointease_jwt_malformed', 'Token missing.' );
		}
		$parts = explode( '.', $token );
		if ( 3 !== count( $parts ) ) {
			return new WP_Error( 'appointease_jwt_malformed', 'Token is not a compact JWT.' );
		}
		list( $header_b64, $payload_b64, $signature_b64 ) = $parts;

		$header = json_decode( (string) self::base64url_decode( $header_b64 ), true );
		if ( ! is_array( $header ) || ! isset( $header['alg'] ) || 'HS256' !== $header['alg'] ) {
			return new WP_Error( 'appointease_jwt_algorithm', 'Only HS256 tokens are accepted.' );
		}

		$signature = self::base64url_decode( $signature_b64 );
		$expected  = hash_hmac( 'sha256', $header_b64 . '.' . $payload_b64, $secret, true );
		// hash_equals: a byte-by-byte early exit would let an attacker learn the signature by timing.
		if ( false === $signature || ! hash_equals( $expected, $signature ) ) {
			return new WP_Error( 'appointease_jwt_signature', 'Signature does not match.' );
		}

		$claims = json_decode( (string) self::base64url_decode( $payload_b64 ), true );
		if ( ! is_array( $claims ) ) {
			return new WP_Error( 'appointease_jwt_malformed', 'Payload is not a JSON object.' );
		}

		$aud = isset( $claims['aud'] ) ? $claims['aud'] : null;
		if ( ! ( $aud === $audience || ( is_array( $aud ) && in_array( $audience, $aud, true ) ) ) ) {
			return new WP_Error( 'appointease_jwt_audience', 'Wrong audience.' );
		}

		$now = time();
		if ( ! isset( $claims['exp'] ) || ! is_int( $claims['exp'] ) ) {
			return new WP_Error( 'appointease_jwt_expiry', 'Token has no expiry.' );
		}
		if ( $claims['exp'] <= $now - self::LEEWAY ) {
			return new WP_Error( 'appointease_jwt_expired', 'Token expired.' );
		}
		// A far-future exp turns a leaked token into a long-lived credential: refuse it.
		if ( $claims['exp'] > $now + $max_lifetime + self::LEEWAY ) {
			return new WP_Error( 'appointease_jwt_lifetime', 'Token lives too long.' );
		}
		if ( isset( $claims['nbf'] ) && ( ! is_int( $claims['nbf'] ) || $claims['nbf'] > $now + self::LEEWAY ) ) {
			return new WP_Error( 'appointease_jwt_not_yet_valid', 'Token not valid yet.' );
		}
		if ( isset( $claims['iat'] ) && ( ! is_int( $claims['iat'] ) || $claims['iat'] > $now + self::LEEWAY ) ) {
			return new WP_Error( 'appointease_jwt_issued_in_future', 'Token issued in the future.' );
		}
		return $claims;
	}

	/**
	 * Base64url without padding (RFC 7515 §2).
	 *
	 * @param string $data Bytes.
	 */
	public static function base64url_encode( $data ) {
		return rtrim( strtr( base64_encode( $data ), '+/', '-_' ), '=' ); // phpcs:ignore WordPress.PHP.DiscouragedPHPFunctions.obfuscation_base64_encode -- JWT encoding, not obfuscation.
	}

	/**
	 * Strict base64url decoding; false on any character outside the alphabet.
	 *
	 * @param string $data Base64url text.
	 * @return string|false
	 */
	public static function base64url_decode( $data ) {
		if ( ! is_string( $data ) || ! preg_match( '/^[A-Za-z0-9_-]*$/', $data ) ) {
			return false;
		}
		$padded  = strtr( $data, '-_', '+/' );
		$padded .= str_repeat( '=', ( 4 - strlen( $padded ) % 4 ) % 4 );
		return base64_decode( $padded, true ); // phpcs:ignore WordPress.PHP.DiscouragedPHPFunctions.obfuscation_base64_decode -- JWT decoding, not obfuscation.
	}
}
