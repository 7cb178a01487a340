<?php
/**
 * Plugin Name:       AppointEase Bridge
 * Description:       Connects WordPress to the AppointEase booking sidecar: the [appointease] shortcode, the admin pages (live locks, appointments, services, staff, time off) and a signed mail relay.
 * Version:           0.1.0
 * Requires at least: 6.1
 * Requires PHP:      8.1
 * Author:            AppointEase
 * License:           GPL-2.0-or-later
 * Text Domain:       appointease-bridge
 *
 * @package AppointEase_Bridge
 */

defined( 'ABSPATH' ) || exit;

// The one place the plugin's version lives; script handles use it as their cache-busting query.
define( 'APPOINTEASE_BRIDGE_VERSION', '0.1.0' );
define( 'APPOINTEASE_BRIDGE_FILE', __FILE__ );
define( 'APPOINTEASE_BRIDGE_DIR', plugin_dir_path( __FILE__ ) );

require_once APPOINTEASE_BRIDGE_DIR . 'includes/class-appointease-bridge-config.php';
require_once APPOINTEASE_BRIDGE_DIR . 'includes/class-appointease-bridge-jwt.php';
require_once APPOINTEASE_BRIDGE_DIR . 'includes/class-appointease-bridge-schema.php';
require_once APPOINTEASE_BRIDGE_DIR . 'includes/class-appointease-bridge-settings.php';
require_once APPOINTEASE_BRIDGE_DIR . 'includes/class-appointease-bridge-shortcode.php';
require_once APPOINTEASE_BRIDGE_DIR . 'includes/class-appointease-bridge-admin-pages.php';
require_once APPOINTEASE_BRIDGE_DIR . 'includes/class-appointease-bridge-token-route.php';
require_once APPOINTEASE_BRIDGE_DIR . 'includes/class-appointease-bridge-mail-relay.php';
require_once APPOINTEASE_BRIDGE_DIR . 'includes/class-appointease-bridge-takeover.php';

register_activation_hook( __FILE__, array( 'Appointease_Bridge_Schema', 'activate' ) );

add_action( 'plugins_loaded', 'appointease_bridge_boot' );

/**
 * Wires every part to its hooks once WordPress has loaded all plugins.
 */
function appointease_bridge_boot() {
	Appointease_Bridge_Settings::register_hooks();
	Appointease_Bridge_Shortcode::register_hooks();
	Appointease_Bridge_Admin_Pages::register_hooks();
	Appointease_Bridge_Token_Route::register_hooks();
	Appointease_Bridge_Mail_Relay::register_hooks();
	Appointease_Bridge_Takeover::register_hooks();
}
