from fraudsite.cli import main

raise SystemExit(main())
