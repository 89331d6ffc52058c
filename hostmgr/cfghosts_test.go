package hostmgr_test

import (
	"testing"

	"github.com/dhcpsrv/dhcpsrv/hostmgr"
	"github.com/dhcpsrv/dhcpsrv/hostmgr/hosttest"
)

func TestCfgHostsConformance(t *testing.T) {
	hosttest.Run(t, func(t *testing.T) hostmgr.DataSource { return hostmgr.NewCfgHosts() })
}
