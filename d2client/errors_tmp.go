package d2client

import "errors"

// ErrConflict reports an RFC 4703 conflict: the name belongs to another
// client (its DHCID does not match), so the update was not made.
var ErrConflict = errors.New("d2client: DNS name in use by another client")
