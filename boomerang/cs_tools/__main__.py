from boomerang.cs_tools import main

raise SystemExit(main())
