package app

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"tilldesk/assets"
	"tilldesk/core/catalog"
	"tilldesk/core/journal"
)

// Session is a started till: configuration, log, open journal, catalog and the
// checkout use case. Close it to release the journal.
type Session struct {
	Paths   Paths
	Config  Config
	Log     *slog.Logger
	Journal *journal.Journal
	Catalog *catalog.Catalog
	Till    *Till
	Auth    *Auth
	Shifts  *Shifts
	// Registration is the terminal's identity and registered/deregistered status.
	Registration *Registration
	// Prepaid is the store's prepaid card programme.
	Prepaid *PrepaidDesk
	// Wallets takes Alipay and WeChat Pay (the embedded sandbox in demo mode).
	Wallets *Wallets
	// Cards takes bank cards through the acquirer (the sandbox acquirer in demo mode).
	Cards   *CardPayments
	logFile io.Closer
}

// Start loads the config (creating demo defaults), opens the log and the journal, and
// loads the catalog. Every failure says which file is at fault.
func Start(paths Paths, now func() time.Time) (*Session, error) {
	if now == nil {
		now = time.Now
	}
	cfg, err := LoadConfig(paths.Config)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(paths.Logs(), 0o700); err != nil {
		return nil, fmt.Errorf("data folder %s: %w", paths.DataDir, err)
	}
	logFile, err := os.OpenFile(filepath.Join(paths.Logs(), "tilldesk.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("log file: %w", err)
	}
	log := slog.New(slog.NewJSONHandler(io.MultiWriter(logFile, os.Stderr), &slog.HandlerOptions{Level: slog.LevelInfo}))
	slog.SetDefault(log)
	s := &Session{Paths: paths, Config: cfg, Log: log, logFile: logFile}
	var skipped []catalog.RowError
	s.Catalog, skipped, err = loadCatalog(cfg.Catalog.File, log)
	if err != nil {
		logFile.Close()
		return nil, err
	}
	s.Journal, err = journal.Open(paths.Journal(), journal.Options{Terminal: cfg.Terminal.ID, Now: now})
	if err != nil {
		log.Error("journal open failed", "path", paths.Journal(), "err", err)
		logFile.Close()
		return nil, err
	}
	sweepDecryptedCopies(paths, log)
	s.Till = NewTill(cfg, s.Journal, s.Catalog, now, log)
	s.Till.catalogSkipped = len(skipped)
	_ = s.Till.CheckJournal() // logged and shown in the status bar
	s.Auth = NewTillAuth(s.Till, AuthOptions{Now: now, Log: log})
	s.Shifts = NewShifts(s.Till, ShiftOptions{ReportDir: ReportDir(paths)})
	if s.Registration, err = NewRegistration(s.Till); err != nil {
		s.Journal.Close()
		logFile.Close()
		return nil, err
	}
	s.Till.AddSalesGate(s.Registration.SalesAllowed)
	s.Prepaid = StartPrepaid(s)
	s.Wallets = StartWallets(s)
	s.Cards = StartCardPayments(s, nil)
	s.Wallets.RouteUnionPayQR(s.Cards) // UnionPay QR codes are charged through the acquirer
	log.Info("till started", "terminal", cfg.Terminal.ID, "demo", cfg.Terminal.Demo, "products", s.Catalog.Len(), "journal", paths.Journal())
	return s, nil
}

// Close releases the journal and the log.
func (s *Session) Close() error {
	var werr error
	if s.Cards != nil {
		werr = s.Cards.Close()
	}
	if s.Wallets != nil {
		werr = errors.Join(werr, s.Wallets.Close())
	}
	err := s.Journal.Close()
	return errors.Join(werr, err, s.logFile.Close())
}

// LoadCatalog reads the catalog CSV at path, or the built-in demo catalog when path is
// empty. Bad rows are logged with their line numbers and skipped.
func LoadCatalog(path string, log *slog.Logger) (*catalog.Catalog, error) {
	c, _, err := loadCatalog(path, log)
	return c, err
}

func loadCatalog(path string, log *slog.Logger) (*catalog.Catalog, []catalog.RowError, error) {
	if log == nil {
		log = slog.Default()
	}
	data := assets.DemoCatalog
	name := "built-in demo catalog"
	if path != "" {
		var err error
		if data, err = os.ReadFile(path); err != nil {
			return nil, nil, fmt.Errorf("catalog: %w", err)
		}
		name = path
	}
	products, rowErrs, err := catalog.ReadCSV(bytes.NewReader(data))
	for _, re := range rowErrs {
		log.Warn("catalog row skipped", "file", name, "line", re.Line, "reason", re.Reason)
	}
	if err != nil {
		return nil, rowErrs, fmt.Errorf("catalog %s: %w", name, err)
	}
	return catalog.New(products), rowErrs, nil
}
