// Package users is the till's operator model: roles and what each may do, operators
// with their PIN hashes, the PIN rules, the lockout policy and the reason codes a
// manager gives when approving a cashier's action. It is pure: no I/O, no clock (every
// function that needs the time takes it), no global randomness (HashPIN takes a reader).
package users

import (
	"errors"
	"fmt"
	"slices"
)

// Role is what an operator is at the till.
type Role string

// The roles. Cashiers sell; managers approve cashiers' exceptions, run shifts and
// reports and manage operators; technicians install, register, configure devices for
// and deregister the terminal.
const (
	Cashier    Role = "cashier"
	Manager    Role = "manager"
	Technician Role = "technician"
)

// Roles lists every role, in the order screens offer them.
func Roles() []Role { return []Role{Cashier, Manager, Technician} }

// ErrBadRole is returned for a role that is not one of Roles.
var ErrBadRole = errors.New("unknown role")

// ParseRole checks that s names a role.
func ParseRole(s string) (Role, error) {
	r := Role(s)
	if !r.Valid() {
		return "", fmt.Errorf("%w: %q", ErrBadRole, s)
	}
	return r, nil
}

// Valid reports whether r is one of Roles.
func (r Role) Valid() bool { return slices.Contains(Roles(), r) }

// Permission is an action beyond ringing up a sale that only some roles may take. A
// cashier who needs one asks a manager for an override.
type Permission string

// The permissions.
const (
	VoidAfterPayment  Permission = "void_after_payment"  // void a line once payment has started
	Refund            Permission = "refund"              // refund a completed sale
	PriceOverride     Permission = "price_override"      // sell at a price other than the catalog's
	NoSaleDrawer      Permission = "no_sale_drawer"      // open the cash drawer without a sale
	DiscountOverLimit Permission = "discount_over_limit" // a discount above the cashier's limit
	ManageOperators   Permission = "manage_operators"    // add, disable operators, reset PINs
	Shifts            Permission = "shifts"              // open and close shifts, count the drawer
	Reports           Permission = "reports"             // X and Z reports
	Devices           Permission = "devices"             // the devices screen
	Register          Permission = "register"            // register the terminal with the acquirer
	Deregister        Permission = "deregister"          // the deregistration wizard
	ViewJournal       Permission = "view_journal"        // browse and export the journal
)

// Permissions lists every permission, in the order screens show them.
func Permissions() []Permission {
	return []Permission{VoidAfterPayment, Refund, PriceOverride, NoSaleDrawer, DiscountOverLimit,
		ManageOperators, Shifts, Reports, Devices, Register, Deregister, ViewJournal}
}

// Valid reports whether p is one of Permissions.
func (p Permission) Valid() bool { return slices.Contains(Permissions(), p) }

// ErrBadPermission is returned for a permission that is not one of Permissions.
var ErrBadPermission = errors.New("unknown permission")

// ParsePermission checks that s names a permission.
func ParsePermission(s string) (Permission, error) {
	p := Permission(s)
	if !p.Valid() {
		return "", fmt.Errorf("%w: %q", ErrBadPermission, s)
	}
	return p, nil
}

// matrix is the role -> permissions table. Cashiers hold none of the permissions:
// each of their exceptions needs a manager. Managers hold everything a store needs
// but registering the terminal, which is the installer's job; they may deregister it
// (the wizard is in the manager settings). Technicians hold only what installing,
// servicing and retiring the terminal needs: they take no money-moving decisions.
var matrix = map[Role][]Permission{
	Cashier: nil,
	Manager: {VoidAfterPayment, Refund, PriceOverride, NoSaleDrawer, DiscountOverLimit,
		ManageOperators, Shifts, Reports, Devices, Deregister, ViewJournal},
	Technician: {Devices, Register, Deregister, ViewJournal},
}

// Can reports whether role r holds permission p. Unknown roles hold nothing.
func (r Role) Can(p Permission) bool { return slices.Contains(matrix[r], p) }

// PermissionsOf returns a copy of the permissions role r holds.
func PermissionsOf(r Role) []Permission { return slices.Clone(matrix[r]) }
