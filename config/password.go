package config

import (
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Password hashes have the form pbkdf2-sha256$<iterations>$<salt>$<key>,
// salt and key in unpadded base64 (RFC 8018 §5.2, PBKDF2 with HMAC-SHA256).
const hashPrefix = "pbkdf2-sha256"

type hash struct {
	iter      int
	salt, key []byte
}

func parseHash(s string) (hash, error) {
	bad := errors.New("not a password hash of the form pbkdf2-sha256$iterations$salt$key")
	parts := strings.Split(s, "$")
	if len(parts) != 4 || parts[0] != hashPrefix {
		return hash{}, bad
	}
	iter, err := strconv.Atoi(parts[1])
	if err != nil || iter < 1000 || iter > 10_000_000 {
		return hash{}, fmt.Errorf("password hash iterations must be 1000 to 10000000")
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[2])
	key, err2 := base64.RawStdEncoding.DecodeString(parts[3])
	if err1 != nil || err2 != nil || len(salt) < 8 || len(key) != sha256.Size {
		return hash{}, bad
	}
	return hash{iter, salt, key}, nil
}

// HashPassword returns a hash of pw for admin.password_hash.
func HashPassword(pw string) (string, error) {
	salt := make([]byte, 16)
	rand.Read(salt)
	const iter = 100_000
	key, err := pbkdf2.Key(sha256.New, pw, salt, iter, sha256.Size)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%s$%d$%s$%s", hashPrefix, iter,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

// CheckPassword reports whether pw matches the hash h, comparing in
// constant time. A malformed hash matches nothing.
func CheckPassword(h, pw string) bool {
	v, err := parseHash(h)
	if err != nil {
		return false
	}
	key, err := pbkdf2.Key(sha256.New, pw, v.salt, v.iter, sha256.Size)
	if err != nil {
		return false
	}
	return subtle.ConstantTimeCompare(key, v.key) == 1
}
