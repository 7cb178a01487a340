<?php
/**
 * REST route POST /wp-json/appointease-bridge/v1/mail: the sidecar's mail goes out through wp_mail.
 *
 * @package AppointEase_Bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * Mail relay for the sidecar's MAIL_TRANSPORT set to "WordPress", so booking mail uses the site's own mail setup
 * (SMTP plugins, From address, deliverability) instead of a second configuration.
 *
 * Request (sent by the sidecar):
 *
 *     POST /wp-json/appointease-bridge/v1/mail
 *     Authorization: Bearer <JWT>
 *     Content-Type: application/json
 *
 *     {
 *       "to": "ada@example.com",            // or an array of up to 10 addresses
 *       "subject": "Your booking APT-2025-000042",
 *       "text": "Plain-text body",
 *       "html": "<p>HTML body</p>",          // optional; text becomes the alternative part
 *       "attachments": [                      // optional, at most 5, 1 MB decoded in total
 *         { "filename": "booking.ics", "content": "<base64>", "contentType": "text/calendar; method=REQUEST" }
 *       ]
 *     }
 *
 * The JWT is HS256 with APPOINTEASE_SECRET and carries:
 *   aud = "appointease-bridge", iat, exp (at most 5 minutes ahead),
 *   bodySha256 = lowercase hex SHA-256 of the exact request body bytes.
 * The body hash binds the token to this one message: a token seen in a log or proxy
 * cannot be reused to send other mail through the site within its lifetime.
 *
 * Answers: 200 {"sent":true}; 401 bad or missing token; 400 invalid body;
 * 413 body too large; 502 wp_mail failed (the sidecar may retry); 503 no secret configured.
 */
class Appointease_Bridge_Mail_Relay {

	const AUDIENCE         = 'appointease-bridge';
	const MAX_LIFETIME     = 300;
	const MAX_BODY_BYTES   = 2097152;
	const MAX_RECIPIENTS   = 10;
	const MAX_ATTACHMENTS  = 5;
	const MAX_ATTACH_BYTES = 1048576;

	/**
	 * Attachments of the message being sent: temp path => content type.
	 *
	 * @var array<string, string>
	 */
	private static $typed_attachments = array();

	/**
	 * Plain-text alternative of the HTML message being sent.
	 *
	 * @var string|null
	 */
	private static $alt_body = null;

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
			Appointease_Bridge_Token_Route::NAMESPACE_V1,
			'/mail',
			array(
				'methods'             => 'POST',
				'callback'            => array( __CLASS__, 'handle' ),
				'permission_callback' => array( __CLASS__, 'permission' ),
			)
		);
	}

	/**
	 * The bearer token from the request; Apache with CGI/FastCGI only passes it as REDIRECT_HTTP_AUTHORIZATION.
	 *
	 * @param WP_REST_Request $request Request.
	 */
	private static function bearer( WP_REST_Request $request ) {
		$header = (string) $request->get_header( 'authorization' );
		if ( '' === $header && isset( $_SERVER['REDIRECT_HTTP_AUTHORIZATION'] ) ) {
			$header = sanitize_text_field( wp_unslash( $_SERVER['REDIRECT_HTTP_AUTHORIZATION'] ) );
		}
		return preg_match( '/^Bearer\s+([A-Za-z0-9_\-.]+)$/', trim( $header ), $m ) ? $m[1] : '';
	}

	/**
	 * Accepts only a valid sidecar token for exactly this body.
	 *
	 * @param WP_REST_Request $request Request.
	 * @return true|WP_Error
	 */
	public static function permission( WP_REST_Request $request ) {
		if ( ! Appointease_Bridge_Config::has_secret() ) {
			return new WP_Error( 'appointease_no_secret', 'The AppointEase shared secret is not configured.', array( 'status' => 503 ) );
		}
		$claims = Appointease_Bridge_Jwt::decode( self::bearer( $request ), Appointease_Bridge_Config::secret(), self::AUDIENCE, self::MAX_LIFETIME );
		if ( is_wp_error( $claims ) ) {
			// One generic answer: which check failed is useful to an attacker, not to the sidecar.
			return new WP_Error( 'appointease_unauthorized', 'Invalid or missing token.', array( 'status' => 401 ) );
		}
		$body_hash = hash( 'sha256', (string) $request->get_body() );
		if ( ! isset( $claims['bodySha256'] ) || ! is_string( $claims['bodySha256'] ) || ! hash_equals( $body_hash, strtolower( $claims['bodySha256'] ) ) ) {
			return new WP_Error( 'appointease_unauthorized', 'Invalid or missing token.', array( 'status' => 401 ) );
		}
		return true;
	}

	/**
	 * Validates the message and sends it.
	 *
	 * @param WP_REST_Request $request Request.
	 * @return WP_REST_Response|WP_Error
	 */
	public static function handle( WP_REST_Request $request ) {
		if ( strlen( (string) $request->get_body() ) > self::MAX_BODY_BYTES ) {
			return new WP_Error( 'appointease_too_large', 'Mail body too large.', array( 'status' => 413 ) );
		}
		$message = self::parse( json_decode( (string) $request->get_body(), true ) );
		if ( is_wp_error( $message ) ) {
			return $message;
		}

		$dir = self::write_attachments( $message['attachments'] );
		if ( is_wp_error( $dir ) ) {
			return $dir;
		}

		$headers        = array();
		self::$alt_body = null;
		if ( null !== $message['html'] ) {
			$headers[]      = 'Content-Type: text/html; charset=UTF-8';
			self::$alt_body = $message['text'];
			$body           = $message['html'];
		} else {
			$headers[] = 'Content-Type: text/plain; charset=UTF-8';
			$body      = $message['text'];
		}

		$failure = null;
		$catch   = static function ( $error ) use ( &$failure ) {
			$failure = $error;
		};
		add_action( 'wp_mail_failed', $catch );
		add_action( 'phpmailer_init', array( __CLASS__, 'shape_phpmailer' ) );
		$sent = wp_mail( $message['to'], $message['subject'], $body, $headers, array_keys( self::$typed_attachments ) );
		remove_action( 'phpmailer_init', array( __CLASS__, 'shape_phpmailer' ) );
		remove_action( 'wp_mail_failed', $catch );

		self::remove_attachments( $dir );
		self::$alt_body = null;

		if ( ! $sent ) {
			$detail = $failure instanceof WP_Error ? $failure->get_error_message() : 'wp_mail returned false';
			return new WP_Error( 'appointease_mail_failed', 'WordPress could not send the mail: ' . $detail, array( 'status' => 502 ) );
		}
		return new WP_REST_Response( array( 'sent' => true ), 200 );
	}

	/**
	 * Gives PHPMailer the text alternative and the declared attachment types, which wp_mail()'s
	 * own arguments cannot express (it guesses types from file extensions).
	 *
	 * @param PHPMailer\PHPMailer\PHPMailer $phpmailer Mailer about to send.
	 */
	public static function shape_phpmailer( $phpmailer ) {
		if ( null !== self::$alt_body ) {
			$phpmailer->AltBody = self::$alt_body; // phpcs:ignore WordPress.NamingConventions.ValidVariableName.UsedPropertyNotSnakeCase -- PHPMailer's API.
		}
		if ( self::$typed_attachments ) {
			$phpmailer->clearAttachments();
			foreach ( self::$typed_attachments as $path => $type ) {
				$phpmailer->addAttachment( $path, basename( $path ), 'base64', $type );
			}
		}
	}

	/**
	 * Validates the decoded JSON body.
	 *
	 * @param mixed $data Decoded body.
	 * @return array|WP_Error Normalized message.
	 */
	public static function parse( $data ) {
		if ( ! is_array( $data ) ) {
			return self::invalid( 'The body must be a JSON object.' );
		}
		$to = isset( $data['to'] ) ? $data['to'] : null;
		$to = is_string( $to ) ? array( $to ) : $to;
		if ( ! is_array( $to ) || ! $to || count( $to ) > self::MAX_RECIPIENTS ) {
			return self::invalid( '"to" must be an address or a list of 1 to 10 addresses.' );
		}
		foreach ( $to as $address ) {
			if ( ! is_string( $address ) || ! is_email( $address ) ) {
				return self::invalid( '"to" contains an invalid address.' );
			}
		}
		if ( ! isset( $data['subject'] ) || ! is_string( $data['subject'] ) || '' === trim( $data['subject'] ) || strlen( $data['subject'] ) > 998 ) {
			return self::invalid( '"subject" must be a non-empty string.' );
		}
		if ( ! isset( $data['text'] ) || ! is_string( $data['text'] ) ) {
			return self::invalid( '"text" must be a string.' );
		}
		if ( isset( $data['html'] ) && ! is_string( $data['html'] ) ) {
			return self::invalid( '"html" must be a string when present.' );
		}

		$attachments = isset( $data['attachments'] ) ? $data['attachments'] : array();
		if ( ! is_array( $attachments ) || count( $attachments ) > self::MAX_ATTACHMENTS ) {
			return self::invalid( '"attachments" must be a list of at most 5 items.' );
		}
		$total  = 0;
		$parsed = array();
		foreach ( $attachments as $attachment ) {
			if ( ! is_array( $attachment ) || ! isset( $attachment['filename'], $attachment['content'], $attachment['contentType'] ) || ! is_string( $attachment['filename'] ) || ! is_string( $attachment['content'] ) || ! is_string( $attachment['contentType'] ) ) {
				return self::invalid( 'Each attachment needs filename, content (base64) and contentType.' );
			}
			$filename = sanitize_file_name( $attachment['filename'] );
			$content  = base64_decode( $attachment['content'], true ); // phpcs:ignore WordPress.PHP.DiscouragedPHPFunctions.obfuscation_base64_decode -- attachment transport encoding.
			if ( '' === $filename || false === $content ) {
				return self::invalid( 'An attachment has an empty filename or content that is not base64.' );
			}
			if ( ! preg_match( '#^[a-z0-9!\#$&^_.+-]+/[a-z0-9!\#$&^_.+-]+(\s*;\s*[a-z0-9_-]+=("?)[a-z0-9_.+-]+\2)*$#i', $attachment['contentType'] ) ) {
				return self::invalid( 'An attachment has an invalid contentType.' );
			}
			$total += strlen( $content );
			if ( $total > self::MAX_ATTACH_BYTES ) {
				return new WP_Error( 'appointease_too_large', 'Attachments larger than 1 MB.', array( 'status' => 413 ) );
			}
			$parsed[] = array(
				'filename'    => $filename,
				'content'     => $content,
				'contentType' => $attachment['contentType'],
			);
		}

		return array(
			'to'          => array_values( $to ),
			// CR/LF in a subject would be header injection; PHPMailer folds too, this is belt and braces.
			'subject'     => trim( preg_replace( '/[\r\n]+/', ' ', $data['subject'] ) ),
			'text'        => $data['text'],
			'html'        => isset( $data['html'] ) && '' !== $data['html'] ? $data['html'] : null,
			'attachments' => $parsed,
		);
	}

	/**
	 * A 400 error.
	 *
	 * @param string $message What is wrong.
	 */
	private static function invalid( $message ) {
		return new WP_Error( 'appointease_invalid_mail', $message, array( 'status' => 400 ) );
	}

	/**
	 * Writes attachments into a fresh private directory, because wp_mail() takes file paths.
	 *
	 * @param array $attachments Parsed attachments.
	 * @return string|null|WP_Error Directory to remove afterwards (null when there are none).
	 */
	private static function write_attachments( array $attachments ) {
		self::$typed_attachments = array();
		if ( ! $attachments ) {
			return null;
		}
		$dir = trailingslashit( get_temp_dir() ) . 'appointease-mail-' . wp_generate_password( 16, false );
		if ( ! wp_mkdir_p( $dir ) ) {
			return new WP_Error( 'appointease_mail_failed', 'Could not create a temporary directory for attachments.', array( 'status' => 502 ) );
		}
		$used = array();
		foreach ( $attachments as $attachment ) {
			$name = $attachment['filename'];
			// Two attachments with one name would overwrite each other on disk.
			while ( isset( $used[ $name ] ) ) {
				$name = '1-' . $name;
			}
			$used[ $name ] = true;
			$path          = $dir . '/' . $name;
			file_put_contents( $path, $attachment['content'] ); // phpcs:ignore WordPress.WP.AlternativeFunctions.file_system_operations_file_put_contents -- short-lived temp file.
			self::$typed_attachments[ $path ] = $attachment['contentType'];
		}
		return $dir;
	}

	/**
	 * Removes the temp directory of a sent message.
	 *
	 * @param string|null $dir Directory from write_attachments().
	 */
	private static function remove_attachments( $dir ) {
		foreach ( array_keys( self::$typed_attachments ) as $path ) {
			wp_delete_file( $path );
		}
		self::$typed_attachments = array();
		if ( is_string( $dir ) && is_dir( $dir ) ) {
			rmdir( $dir ); // phpcs:ignore WordPress.WP.AlternativeFunctions.file_system_operations_rmdir -- our own empty temp dir.
		}
	}
}
