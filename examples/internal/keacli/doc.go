// Package keacli implements the command line that kea-dhcp4 and kea-dhcp6
// take, so that scripts written for Kea drive the reference servers
// unchanged:
//
//	-v        print the version and exit
//	-V        print the extended version and exit
//	-W        print the configuration report and exit
//	-d        debug logging
//	-c FILE   run the server with this configuration
//	-t FILE   check the configuration and exit
//	-p PORT   server port (testing)
//	-P PORT   client port (testing)
//
// One flag is ours, Kea has no counterpart:
//
//	-metrics ADDR   serve Prometheus metrics on http://ADDR/metrics
//	                (default: the DHCPSRV_METRICS_ADDR environment variable;
//	                empty: no metrics endpoint)
//
// Program.Run may return an *ExitError to choose the process exit code (the
// control socket's "shutdown" command with an "exit-value").
package keacli
