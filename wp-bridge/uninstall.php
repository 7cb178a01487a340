<?php
/**
 * Uninstall: removes the bridge's options only.
 *
 * Appointments, customers, services and staff are the business's records and may be
 * shared with a running sidecar or the original AppointEase plugin, so no table is dropped.
 *
 * @package AppointEase_Bridge
 */

defined( 'WP_UNINSTALL_PLUGIN' ) || exit;

foreach ( array( 'appointease_bridge_settings', 'appointease_bridge_schema_hash', 'appointease_bridge_schema_errors' ) as $appointease_bridge_option ) {
	delete_option( $appointease_bridge_option );
}
delete_transient( 'appointease_bridge_health' );
