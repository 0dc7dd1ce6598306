//! A robot served on loopback: tasks run on it as they do in process, one client controls it
//! while others watch, the watchdog holds an arm whose controller falls silent, and neither bad
//! commands nor garbage on the socket harm it.

use std::io::Write;
use std::time::Duration;

use byfeel_gym::*;
use byfeel_remote::{Clock, RemoteRobot, ServeOptions, ServerHandle, spawn};
use byfeel_sim::Randomization;

fn serve(scene: &str, options: ServeOptions) -> ServerHandle {
    let arm = SimRobot::from_scene(scene, Randomization::Nominal).unwrap();
    spawn(Box::new(arm), "127.0.0.1:0".parse().unwrap(), options).unwrap()
}

#[test]
fn a_task_on_a_served_arm_plays_bit_for_bit_as_in_process() {
    for (task, scene, action) in [
        (Task::CupPush, "cup", vec![0.6, -0.3, 0.0]),
        (Task::DoorOpen, "door", vec![-0.5, 0.2, 0.1]),
        (Task::DieRoll, "die", vec![0.2, 0.1, -0.3]),
    ] {
        let server = serve(scene, ServeOptions::default());
        let remote = RemoteRobot::connect(&server.addr.to_string()).unwrap();
        let config = EnvConfig::new(task).obs_mode(ObsMode::Goal);
        let mut there = TaskEnv::on_robot(config.clone(), remote).unwrap();
        let mut here = TaskEnv::new(config).unwrap();
        assert_eq!(
            there.spec().observation_space,
            here.spec().observation_space
        );
        let (a, ia) = there.reset(Some(5), &ResetOptions::default()).unwrap();
        let (b, ib) = here.reset(Some(5), &ResetOptions::default()).unwrap();
        assert_eq!(a, b, "{task:?}: the first observation");
        assert_eq!(ia, ib);
        for _ in 0..4 {
            let (ta, tb) = (there.step(&action).unwrap(), here.step(&action).unwrap());
            assert_eq!(ta.observation, tb.observation, "{task:?}");
            assert_eq!(ta.info, tb.info, "{task:?}");
            assert_eq!(ta.reward, tb.reward);
        }
    }
}

#[test]
fn one_client_controls_and_others_watch() {
    let server = serve("cup", ServeOptions::default());
    let addr = server.addr.to_string();
    let mut controller = RemoteRobot::connect(&addr).unwrap();
    let err = RemoteRobot::connect(&addr).err().unwrap().to_string();
    assert!(err.contains("another client controls"), "{err}");

    let mut watcher = RemoteRobot::watch(&addr).unwrap();
    controller
        .command(Command::ee_delta(0.0, 0.0, 0.01))
        .unwrap();
    let moved = controller.step().unwrap();
    assert_eq!(
        watcher.state().ee_position,
        moved.ee_position,
        "watchers see the arm"
    );
    let camera = watcher.spec().sensors[0].name.clone();
    assert!(!watcher.read_sensor(&camera).unwrap().rgb.is_empty());
    let err = watcher
        .command(Command::ee_delta(0.0, 0.0, 0.01))
        .unwrap_err()
        .to_string();
    assert!(err.contains("only watches"), "{err}");

    // Once the controller lets go, another client may take control.
    drop(controller);
    assert!(RemoteRobot::connect(&addr).is_ok());
}

#[test]
fn a_bad_command_is_refused_by_name_and_moves_nothing() {
    let server = serve("door", ServeOptions::default());
    let mut robot = RemoteRobot::connect(&server.addr.to_string()).unwrap();
    let before = robot.step().unwrap();
    let err = robot
        .command(Command::ee_delta(f64::NAN, 0.0, 0.0))
        .unwrap_err()
        .to_string();
    assert!(err.contains("not finite"), "{err}");
    let after = robot.step().unwrap();
    assert!((after.ee_position - before.ee_position).length() < 1e-4);
    // A command past the arm's per-step limit is refused by the server's own check too.
    let huge = Command::ee_delta(0.0, 0.0, 10.0);
    assert!(
        robot
            .command(huge)
            .unwrap_err()
            .to_string()
            .contains("out of range")
    );
}

#[test]
fn the_watchdog_holds_an_arm_whose_controller_falls_silent() {
    let options = ServeOptions {
        clock: Clock::RealTime,
        watchdog: Duration::from_millis(400),
        ..ServeOptions::default()
    };
    let server = serve("cup", options);
    let addr = server.addr.to_string();
    let mut robot = RemoteRobot::connect(&addr).unwrap();
    robot.command(Command::ee_delta(0.0, 0.0, 0.005)).unwrap();
    let z0 = robot.state().ee_position.z;
    std::thread::sleep(Duration::from_millis(300));
    let z1 = robot.state().ee_position.z;
    assert!(
        z1 > z0 + 0.002,
        "the arm moves on its own clock: {z0} → {z1}"
    );
    // Silence (watching only): the lease ends and the arm holds.
    std::thread::sleep(Duration::from_millis(700));
    let z2 = robot.state().ee_position.z;
    std::thread::sleep(Duration::from_millis(500));
    let z3 = robot.state().ee_position.z;
    assert!(
        (z3 - z2).abs() < 1e-3,
        "held after the watchdog: {z2} → {z3}"
    );
    // The silent client may take control again (nobody else did) and move the arm.
    robot.command(Command::ee_delta(0.0, 0.0, -0.005)).unwrap();
    std::thread::sleep(Duration::from_millis(300));
    assert!(robot.state().ee_position.z < z3 - 0.002);
}

#[test]
fn garbage_on_the_socket_harms_nothing() {
    let server = serve("cup", ServeOptions::default());
    for garbage in [
        &b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"[..],
        &[0xff; 4096][..],
        b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00",
    ] {
        let mut socket = std::net::TcpStream::connect(server.addr).unwrap();
        let _ = socket.write_all(garbage);
    }
    let mut robot = RemoteRobot::connect(&server.addr.to_string()).unwrap();
    robot.command(Command::ee_delta(0.01, 0.0, 0.0)).unwrap();
    assert!(robot.step().is_ok());
}

#[test]
fn no_server_is_a_clear_error() {
    let err = RemoteRobot::connect("127.0.0.1:1")
        .err()
        .unwrap()
        .to_string();
    assert!(
        err.contains("cannot reach a robot server at 127.0.0.1:1"),
        "{err}"
    );
}

#[test]
fn a_malformed_message_is_refused_by_name() {
    use byfeel_remote::proto::{self as pb, robot_client::RobotClient};
    let server = serve("cup", ServeOptions::default());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let mut client = RobotClient::connect(format!("http://{}", server.addr))
            .await
            .unwrap();
        let lease = client.acquire(pb::Empty {}).await.unwrap().into_inner();
        let bare = pb::CommandRequest {
            lease: Some(lease.clone()),
            mode: None,
            deadline: None,
        };
        let err = client.send_command(bare).await.unwrap_err();
        assert_eq!(err.code(), tonic::Code::InvalidArgument);
        assert!(
            err.message().contains("mode is missing"),
            "{}",
            err.message()
        );
        let forged = pb::CommandRequest {
            lease: Some(pb::Lease {
                token: "not-the-lease".into(),
            }),
            mode: Some(pb::command_request::Mode::Hold(pb::Empty {})),
            deadline: None,
        };
        let err = client.send_command(forged).await.unwrap_err();
        assert_eq!(err.code(), tonic::Code::PermissionDenied);
        let bad_face = pb::PlaceRequest {
            lease: Some(lease),
            placement: Some(pb::place_request::Placement::Die(pb::DiePlacement {
                x: 0.6,
                y: 0.0,
                face: 300,
                yaw: 0.0,
            })),
        };
        let err = client.place(bad_face).await.unwrap_err();
        assert!(err.message().contains("not 1 to 20"), "{}", err.message());
    });
}

#[test]
fn a_lost_server_leaves_the_last_state_and_clear_errors() {
    let server = serve("cup", ServeOptions::default());
    let mut robot = RemoteRobot::connect(&server.addr.to_string()).unwrap();
    robot.command(Command::ee_delta(0.0, 0.0, 0.01)).unwrap();
    let last = robot.step().unwrap();
    server.shutdown();
    assert_eq!(robot.state(), last, "the last state the server sent");
    let err = robot.step().unwrap_err().to_string();
    assert!(err.starts_with("robot server:"), "{err}");
}
