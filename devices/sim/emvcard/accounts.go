package emvcard

import (
	"crypto/sha256"
	"fmt"

	"tilldesk/core/emv/issuer"
	"tilldesk/devices/sim/emvcard/testca"
)

// IssuerKeys are the test issuer master keys of a testca issuer ("unionpay", "visa",
// "mastercard"), derived from testca.DefaultSeed like the rest of the hierarchy.
func IssuerKeys(issuerName string) issuer.MasterKeys {
	return issuer.MasterKeys{
		AC:  deriveKey(issuerName, "IMK-AC"),
		SMI: deriveKey(issuerName, "IMK-SMI"),
		SMC: deriveKey(issuerName, "IMK-SMC"),
	}
}

// PINVerificationKey is the test issuer's PIN verification key (IBM 3624).
func PINVerificationKey(issuerName string) [16]byte { return deriveKey(issuerName, "PVK") }

func deriveKey(issuerName, use string) [16]byte {
	sum := sha256.Sum256([]byte(testca.DefaultSeed + "\x00" + issuerName + "\x00" + use))
	return [16]byte(sum[:16])
}

// Accounts are the issuer's records of the profile's applications: PAN, scheme, keys
// and the IBM 3624 offset of each PIN (not the PIN), for core/emv/issuer.
func (p *Profile) Accounts() ([]issuer.Account, error) {
	out := make([]issuer.Account, 0, len(p.Applications))
	for i := range p.Applications {
		a := &p.Applications[i]
		v, err := issuer.NewPINVerification(PINVerificationKey(a.Issuer), a.PAN, []byte(a.PIN))
		if err != nil {
			return nil, fmt.Errorf("emvcard: profile %s: %w", p.Name, err)
		}
		out = append(out, issuer.Account{
			PAN: a.PAN, PANSequence: a.PANSequence, Scheme: a.Scheme, Keys: IssuerKeys(a.Issuer), PIN: v, Expiry: a.Expiry,
		})
	}
	return out, nil
}

// Accounts are the issuer's records of every built-in profile, for the sandbox
// acquirer.
func Accounts() ([]issuer.Account, error) {
	var out []issuer.Account
	for _, p := range Profiles() {
		accts, err := p.Accounts()
		if err != nil {
			return nil, err
		}
		out = append(out, accts...)
	}
	return out, nil
}
