package admin

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"sync"

	"github.com/tcpbox/tcpbox/config"
)

// HashChecker returns a Deps.CheckPassword for admin.password_hash.
// PBKDF2 is slow on purpose (about 100,000 HMACs), and basic auth sends
// the password with every request, so the checker remembers a keyed
// digest of the last password that verified and compares later requests
// against it in constant time; only a different password pays for PBKDF2.
func HashChecker(user, hash string) func(u, pw string) bool {
	var key [32]byte
	rand.Read(key[:])
	digest := func(pw string) []byte {
		m := hmac.New(sha256.New, key[:])
		m.Write([]byte(pw))
		return m.Sum(nil)
	}
	var mu sync.Mutex
	var good []byte
	return func(u, pw string) bool {
		okUser := subtle.ConstantTimeCompare([]byte(u), []byte(user)) == 1
		d := digest(pw)
		mu.Lock()
		cached := good != nil && subtle.ConstantTimeCompare(d, good) == 1
		mu.Unlock()
		if cached {
			return okUser
		}
		if !config.CheckPassword(hash, pw) {
			return false
		}
		mu.Lock()
		good = d
		mu.Unlock()
		return okUser
	}
}
